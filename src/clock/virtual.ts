import { sleepOn, timeoutReason } from './sleep.ts';
import type { Clock, TimerHandle } from './types.ts';

/** A pending timer; the object itself is the handle. `index` is its place in the heap, -1 when out. */
interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  /** Repeat period of an interval, 0 for a one-shot timer. */
  period: number;
  index: number;
}

/** Lets promise continuations and I/O callbacks that a timer started run (one macrotask turn). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A virtual clock: time moves only when the test or simulator advances it; due timers run in order of
 * their due time, then of scheduling (an interval is rescheduled when it runs). Timers live in an
 * indexed binary heap: scheduling, cancelling and running are O(log n) and a cancelled timer leaves
 * nothing behind, so a simulation may arm and clear millions of them.
 *
 * `advance`/`runUntil`/`step` run timers synchronously: promise continuations of what a timer
 * resolved run only after they return. Code awaiting this clock (services, `sleep`) is driven with
 * `tickAsync`, which lets continuations run after every timer.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#schedule(fn, Math.max(0, ms), 0);
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer | undefined;
    if (timer === undefined || timer === null || typeof timer.index !== 'number' || timer.index < 0) return;
    if (this.#heap[timer.index] !== timer) return;
    this.#remove(timer.index);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const period = Math.max(1, ms);
    return this.#schedule(fn, period, period);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    return sleepOn(
      (fn, d) => this.setTimeout(fn, d),
      (h) => this.clearTimeout(h),
      ms,
      options.signal,
    );
  }

  timeout(ms: number): AbortSignal {
    const ac = new AbortController();
    this.setTimeout(() => ac.abort(timeoutReason()), ms);
    return ac.signal;
  }

  /** Timers not yet run nor cancelled (an interval counts once). */
  get pending(): number {
    return this.#heap.length;
  }

  /** Due time of the next timer, if any. */
  nextAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Runs the next timer (moving time to it); false when none is left. */
  step(): boolean {
    const timer = this.#heap[0];
    if (timer === undefined) return false;
    this.#remove(0);
    if (timer.at > this.#now) this.#now = timer.at;
    if (timer.period > 0) {
      timer.at += timer.period;
      timer.seq = ++this.#seq;
      this.#push(timer);
    }
    timer.fn();
    return true;
  }

  /** Advances time by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    this.runUntil(this.#now + ms);
  }

  /** Runs timers due at or before `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const at = this.nextAt();
      if (at === undefined || at > time) break;
      this.step();
    }
    if (time > this.#now) this.#now = time;
  }

  /** Runs timers until `condition()` is false (checked before each one), none is left, or `limit` is passed. */
  runWhile(condition: () => boolean, limit = Number.POSITIVE_INFINITY): boolean {
    while (condition()) {
      const at = this.nextAt();
      if (at === undefined || at > limit) return false;
      this.step();
    }
    return true;
  }

  /**
   * Advances time by `ms` as `advance` does, but lets promise continuations and I/O callbacks run
   * before the first timer and after each one (a macrotask turn each), so async code that schedules
   * further timers on this clock within the window has them run too. Takes no real time beyond those
   * turns.
   */
  async tickAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const at = this.nextAt();
      if (at === undefined || at > end) break;
      this.step();
    }
    if (end > this.#now) this.#now = end;
    await settle();
  }

  #schedule(fn: () => void, delay: number, period: number): Timer {
    const timer: Timer = { at: this.#now + delay, seq: ++this.#seq, fn, period, index: -1 };
    this.#push(timer);
    return timer;
  }

  #push(timer: Timer): void {
    timer.index = this.#heap.length;
    this.#heap.push(timer);
    this.#up(timer.index);
  }

  #remove(i: number): void {
    const h = this.#heap;
    const timer = h[i]!;
    const last = h.pop()!;
    timer.index = -1;
    if (i < h.length) {
      h[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.index = j;
    b.index = i;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
