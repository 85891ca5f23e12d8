import { MurmurError } from '../../errors/index.ts';
import { MAX_STORED_RANGES, MAX_U64 } from '../../streamer/constants.ts';

/** An inclusive range [start, end] of unsigned 64-bit values. */
export type Range = readonly [start: bigint, end: bigint];

/** The first gap of an interval set: [start, end] inclusive; `empty` when nothing is left below the ceiling. */
export interface Gap {
  start: bigint;
  end: bigint;
  empty: boolean;
}

function checkU64(v: bigint, name: string): void {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_U64) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${name} must be a bigint in [0, 2^64-1]`, {
      details: { [name]: String(v) },
    });
  }
}

/**
 * The set of ranges already synced for one (peer, stream): sorted, disjoint, inclusive ranges, merged
 * when they overlap or touch. Counting starts at `base` (bin IDs start at 1): `next()` returns the first
 * gap at or after it.
 */
export class Intervals {
  readonly base: bigint;
  #ranges: [bigint, bigint][] = [];

  constructor(base = 0n) {
    checkU64(base, 'base');
    this.base = base;
  }

  /** The ranges, sorted and merged (copies). */
  ranges(): Range[] {
    return this.#ranges.map(([s, e]) => [s, e] as const);
  }

  /** Adds [start, end] (inclusive), merging with overlapping or adjacent ranges. */
  add(start: bigint, end: bigint): void {
    checkU64(start, 'start');
    checkU64(end, 'end');
    if (end < start) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'end before start');
    const out: [bigint, bigint][] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.#ranges) {
      if (r[1] + 1n < s) {
        out.push(r); // entirely before, not touching
      } else if (e + 1n < r[0]) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(r); // entirely after, not touching
      } else {
        if (r[0] < s) s = r[0];
        if (r[1] > e) e = r[1];
      }
    }
    if (!placed) out.push([s, e]);
    this.#ranges = out;
  }

  /** Merges every range of another set into this one. */
  merge(other: Intervals): void {
    for (const [s, e] of other.#ranges) this.add(s, e);
  }

  /** True if v lies in a stored range. */
  has(v: bigint): boolean {
    for (const [s, e] of this.#ranges) if (v >= s && v <= e) return true;
    return false;
  }

  /**
   * The first gap at or after `base`, clipped to `ceiling` (default 2^64-1). When the gap is open-ended
   * its end is the ceiling. `empty` is true when every value from base to the ceiling is covered.
   */
  next(ceiling: bigint = MAX_U64): Gap {
    checkU64(ceiling, 'ceiling');
    let start = this.base;
    for (const [s, e] of this.#ranges) {
      if (e < start) continue;
      if (s > start) {
        const end = s - 1n < ceiling ? s - 1n : ceiling;
        return start > ceiling ? { start: ceiling, end: ceiling, empty: true } : { start, end, empty: false };
      }
      if (e === MAX_U64) return { start: ceiling, end: ceiling, empty: true };
      start = e + 1n;
    }
    if (start > ceiling) return { start: ceiling, end: ceiling, empty: true };
    return { start, end: ceiling, empty: false };
  }

  /** The end of the last range, or undefined when empty. */
  last(): bigint | undefined {
    return this.#ranges.at(-1)?.[1];
  }

  /** Serialises as `base;s-e,s-e` in decimal (stable, human-readable). */
  toString(): string {
    return `${this.base};${this.#ranges.map(([s, e]) => `${s}-${e}`).join(',')}`;
  }

  /** Parses the output of toString(); throws MURMUR_STREAMER_BAD_INTERVALS on anything else. */
  static parse(text: string): Intervals {
    const bad = (why: string): MurmurError =>
      new MurmurError('MURMUR_STREAMER_BAD_INTERVALS', `stored intervals unreadable: ${why}`);
    const m = /^(\d{1,20});((?:\d{1,20}-\d{1,20})(?:,\d{1,20}-\d{1,20})*)?$/.exec(text);
    if (!m) throw bad('syntax');
    const base = BigInt(m[1] as string);
    if (base > MAX_U64) throw bad('base out of range');
    const iv = new Intervals(base);
    const parts = m[2] ? m[2].split(',') : [];
    if (parts.length > MAX_STORED_RANGES) throw bad('too many ranges');
    for (const part of parts) {
      const [a, b] = part.split('-') as [string, string];
      const s = BigInt(a);
      const e = BigInt(b);
      if (s > MAX_U64 || e > MAX_U64 || e < s) throw bad('range out of order or range');
      iv.add(s, e);
    }
    return iv;
  }
}
