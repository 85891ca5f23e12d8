/** Opaque timer handle returned by a `Clock` (pass it back to the same clock's clear methods). */
export type TimerHandle = unknown;

export interface TimerOptions {
  /**
   * Keep the process alive while the timer is pending (system clock only; the virtual clock ignores
   * it). Default false: background timers (heartbeats, debounces, re-evaluations) never hold a
   * process open. Set it for a deadline someone is awaiting, as a plain `setTimeout` would.
   */
  ref?: boolean;
}

/**
 * Time and timers. Everything that runs inside a node (services, peer book, overlay) takes its time
 * from a Clock it is given instead of `Date.now`/`setTimeout`: the node passes `systemClock` (wall
 * time, Node timers), tests and the simulator a `VirtualClock` that moves only when advanced, so a
 * run is deterministic and takes no real time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall time; may jump when the system clock is set). */
  now(): number;
  /**
   * Milliseconds since an arbitrary origin, fractional, never going backwards: for measuring how long
   * something took (performance.now on the system clock, `now()` on the virtual one).
   */
  monotonic(): number;
  /** Runs `fn` once after `ms` (at least 0). */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer of `setTimeout` (or `setInterval`); a handle already run or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Runs `fn` every `ms` (at least 1) until cleared; the first run is `ms` from now. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer of `setInterval` (same as `clearTimeout`). */
  clearInterval(handle: TimerHandle): void;
  /**
   * Resolves after `ms`; rejects with MURMUR_ABORTED (cause: the signal's reason) when `signal`
   * fires first or has already fired. Keeps the process alive while pending (as
   * node:timers/promises does).
   */
  sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * An AbortSignal that fires after `ms` on this clock with a `TimeoutError` DOMException as its
   * reason (what `AbortSignal.timeout` gives), for passing deadlines to APIs that take a signal.
   */
  timeout(ms: number): AbortSignal;
}
