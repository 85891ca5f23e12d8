import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { PRIORITY_COUNT, QUEUE_CAPACITY } from './constants.ts';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

function closedError(): MurmurError {
  return new MurmurError('MURMUR_STREAMER_QUEUE_CLOSED', 'priority queue closed');
}

/**
 * Bounded priority queues: level 0 is served first (retrieval), then 1 (live), then 2 (history).
 * `enqueue` waits while its level is full (back-pressure, never unbounded memory); `dequeue` always
 * takes from the highest non-empty level and waits while all are empty.
 */
export class PriorityQueue<T> {
  readonly capacity: number;
  readonly #levels: T[][];
  readonly #heads: number[];
  readonly #spaceWaiters: Waiter[][];
  #itemWaiters: Waiter[] = [];
  #closed = false;

  constructor(options: { levels?: number; capacity?: number } = {}) {
    const levels = options.levels ?? PRIORITY_COUNT;
    this.capacity = options.capacity ?? QUEUE_CAPACITY;
    if (!Number.isInteger(levels) || levels < 1 || !Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'levels and capacity must be positive integers');
    }
    this.#levels = Array.from({ length: levels }, () => []);
    this.#heads = Array.from({ length: levels }, () => 0);
    this.#spaceWaiters = Array.from({ length: levels }, () => []);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Items waiting at one level (or in all levels). */
  size(level?: number): number {
    if (level !== undefined) return this.#len(this.#check(level));
    let n = 0;
    for (let i = 0; i < this.#levels.length; i++) n += this.#len(i);
    return n;
  }

  /** Adds without waiting; false if the level is full. Throws if closed. */
  tryEnqueue(item: T, level: number): boolean {
    this.#check(level);
    if (this.#closed) throw closedError();
    if (this.#len(level) >= this.capacity) return false;
    this.#levels[level]!.push(item);
    this.#itemWaiters.shift()?.resolve();
    return true;
  }

  /** Adds, waiting while the level is full. */
  async enqueue(item: T, level: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#check(level);
    for (;;) {
      throwIfAborted(options.signal);
      if (this.tryEnqueue(item, level)) return;
      await this.#wait(this.#spaceWaiters[level]!, options.signal);
    }
  }

  /** Takes without waiting from the highest non-empty level, or undefined. */
  tryDequeue(): { item: T; level: number } | undefined {
    for (let level = 0; level < this.#levels.length; level++) {
      if (this.#len(level) === 0) continue;
      const q = this.#levels[level]!;
      const head = this.#heads[level]!;
      const item = q[head] as T;
      q[head] = undefined as T;
      if (head + 1 === q.length) {
        q.length = 0;
        this.#heads[level] = 0;
      } else if (head + 1 > 1024 && head + 1 > q.length / 2) {
        q.splice(0, head + 1);
        this.#heads[level] = 0;
      } else {
        this.#heads[level] = head + 1;
      }
      this.#spaceWaiters[level]!.shift()?.resolve();
      return { item, level };
    }
    return undefined;
  }

  /** Takes from the highest non-empty level, waiting while all are empty; throws once closed and drained. */
  async dequeue(options: { signal?: AbortSignal } = {}): Promise<{ item: T; level: number }> {
    for (;;) {
      throwIfAborted(options.signal);
      const got = this.tryDequeue();
      if (got) return got;
      if (this.#closed) throw closedError();
      await this.#wait(this.#itemWaiters, options.signal);
    }
  }

  /** Stops accepting items; waiting producers and idle consumers are woken with QUEUE_CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = closedError();
    for (const w of this.#itemWaiters) w.reject(err);
    this.#itemWaiters = [];
    for (const list of this.#spaceWaiters) {
      for (const w of list) w.reject(err);
      list.length = 0;
    }
  }

  #len(level: number): number {
    return this.#levels[level]!.length - this.#heads[level]!;
  }

  #check(level: number): number {
    if (!Number.isInteger(level) || level < 0 || level >= this.#levels.length) {
      throw new MurmurError(
        'MURMUR_INVALID_ARGUMENT',
        `priority level must be 0..${this.#levels.length - 1}`,
      );
    }
    return level;
  }

  #wait(list: Waiter[], signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      list.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
