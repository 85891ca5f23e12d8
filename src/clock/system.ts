import { sleepOn } from './sleep.ts';
import type { Clock, TimerHandle, TimerOptions } from './types.ts';

type NodeTimer = ReturnType<typeof setTimeout>;

const schedule = (fn: () => void, ms: number, options?: TimerOptions): TimerHandle => {
  const t = setTimeout(fn, Math.max(0, ms));
  if (options?.ref !== true) t.unref();
  return t;
};
const cancel = (handle: TimerHandle): void => clearTimeout(handle as NodeTimer);

/**
 * Real time: Date.now, performance.now and Node timers, unref'd unless asked (`{ ref: true }`) so a
 * background timer never keeps the process alive. `timeout()` is `AbortSignal.timeout`.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: schedule,
  clearTimeout: cancel,
  setInterval: (fn, ms, options) => {
    const t = setInterval(fn, Math.max(1, ms));
    if (options?.ref !== true) t.unref();
    return t;
  },
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  sleep: (ms, options = {}) => sleepOn(schedule, cancel, ms, options.signal),
  timeout: (ms) => AbortSignal.timeout(Math.max(0, ms)),
};
