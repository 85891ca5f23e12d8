import { MurmurError } from '../errors/index.ts';
import type { TimerHandle, TimerOptions } from './types.ts';

type Schedule = (fn: () => void, ms: number, options?: TimerOptions) => TimerHandle;
type Cancel = (handle: TimerHandle) => void;

function aborted(signal: AbortSignal): MurmurError {
  return new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason });
}

/** `Clock.sleep` over a clock's own timer pair (shared by the system and the virtual clock). */
export function sleepOn(
  schedule: Schedule,
  cancel: Cancel,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      cancel(handle);
      reject(aborted(signal!));
    };
    const handle = schedule(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      ms,
      { ref: true },
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The reason `AbortSignal.timeout` aborts with. */
export function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}
