import type { AbstractSublevel } from 'abstract-level';
import type { Level } from '../../store/index.ts';
import { Intervals } from './intervals.ts';

/**
 * Persists one Intervals per (peer, stream key) in an abstract-level sublevel, so a restart resumes
 * where the last recorded range ended. Writes of one key are serialised. What this instance read or
 * wrote is kept in memory (as text), so recording progress is one write, not a read and a write:
 * one instance per sublevel.
 */
export class IntervalStore {
  readonly #db: AbstractSublevel<Level, unknown, string, string>;

  constructor(db: Level, name = 'intervals') {
    this.#db = db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  }

  static key(peer: string, stream: string): string {
    return `${peer}|${stream}`;
  }

  /** The stored intervals of (peer, stream), or an empty set counting from `base`. */
  async get(peer: string, stream: string, base = 0n): Promise<Intervals> {
    const key = IntervalStore.key(peer, stream);
    let text = this.#cache.get(key);
    if (text === undefined) {
      text = await this.#db.get(key);
      if (text !== undefined) this.#cache.set(key, text);
    }
    return text === undefined ? new Intervals(base) : Intervals.parse(text);
  }

  async put(peer: string, stream: string, intervals: Intervals): Promise<void> {
    const key = IntervalStore.key(peer, stream);
    const text = intervals.toString();
    this.#cache.delete(key);
    await this.#db.put(key, text);
    this.#cache.set(key, text);
  }

  /** Adds [start, end] to the stored set and persists it; returns the updated set. */
  async add(peer: string, stream: string, start: bigint, end: bigint, base = 0n): Promise<Intervals> {
    const key = IntervalStore.key(peer, stream);
    const prev = this.#locks.get(key) ?? Promise.resolve();
    let result!: Intervals;
    const run = prev.then(async () => {
      const iv = await this.get(peer, stream, base);
      iv.add(start, end);
      await this.put(peer, stream, iv);
      result = iv;
    });
    const tail = run.catch(() => {});
    this.#locks.set(key, tail);
    try {
      await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
    return result;
  }

  async delete(peer: string, stream: string): Promise<void> {
    const key = IntervalStore.key(peer, stream);
    this.#cache.delete(key);
    await this.#db.del(key);
  }

  /** Every stored (key, intervals) of one peer. */
  async *entries(peer: string): AsyncGenerator<[stream: string, intervals: Intervals]> {
    const prefix = `${peer}|`;
    for await (const [k, v] of this.#db.iterator({ gte: prefix, lt: `${peer}}` })) {
      yield [k.slice(prefix.length), Intervals.parse(v)];
    }
  }

  readonly #locks = new Map<string, Promise<void>>();
  /** Stored text of the keys this instance has read or written. */
  readonly #cache = new Map<string, string>();
}
