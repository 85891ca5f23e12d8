import type { Clock, TimerHandle } from './types.ts';

/** Real time: Date.now and unref'd Node timers (they never keep the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
