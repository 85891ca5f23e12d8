import type { Clock, TimerHandle } from '../peers/types.ts';

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A virtual clock: time moves only when the test or simulator advances it; due timers run in order of
 * their due time (then of creation). Implements the peers `Clock` interface.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];
  readonly #cancelled = new Set<number>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#push({ id, at: this.#now + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#cancelled.add(handle);
  }

  /** Timers not yet run nor cancelled. */
  get pending(): number {
    return this.#heap.length - this.#cancelled.size;
  }

  /** Due time of the next live timer, if any. */
  nextAt(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** Runs the next timer (moving time to it); false when none is left. */
  step(): boolean {
    this.#dropCancelled();
    const timer = this.#pop();
    if (timer === undefined) return false;
    if (timer.at > this.#now) this.#now = timer.at;
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

  /** Runs timers until `done()` is true (checked after each one), none is left, or `limit` is passed. */
  runWhile(condition: () => boolean, limit = Number.POSITIVE_INFINITY): boolean {
    while (condition()) {
      const at = this.nextAt();
      if (at === undefined || at > limit) return false;
      this.step();
    }
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#cancelled.has(this.#heap[0]!.id)) {
      this.#cancelled.delete(this.#heap[0]!.id);
      this.#pop();
    }
  }

  #push(timer: Timer): void {
    const h = this.#heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Timer | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
