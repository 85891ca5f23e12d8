import { addInto } from './fingerprint.ts';

/**
 * An immutable sorted set of 32-byte ids with prefix sums, the storage side of reconciliation.
 * Ranges are id-prefix intervals of the top 48 bits, found by binary search; the 256-bit sum of any
 * index range is one subtraction of prefix sums, so range fingerprints cost O(1) after O(n) setup.
 */
export class IdSet {
  readonly size: number;
  /** n × 32 bytes, ascending. */
  readonly bytes: Uint8Array;
  /** Top 48 bits of each id as a number, ascending. */
  readonly tops: Float64Array;
  #prefix: Uint32Array | null = null;

  private constructor(bytes: Uint8Array, tops: Float64Array) {
    this.bytes = bytes;
    this.tops = tops;
    this.size = tops.length;
  }

  /** Builds a set from ids (duplicates removed). */
  static from(ids: Iterable<Uint8Array>): IdSet {
    const list = Array.isArray(ids) ? (ids as Uint8Array[]) : [...ids];
    const tops = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) tops[i] = top48(list[i]!, 0);
    const order = new Uint32Array(list.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => tops[a]! - tops[b]! || Buffer.compare(list[a]!, list[b]!));
    const bytes = new Uint8Array(list.length * 32);
    const sortedTops = new Float64Array(list.length);
    let n = 0;
    for (let k = 0; k < order.length; k++) {
      const id = list[order[k]!]!;
      if (n > 0 && Buffer.compare(id, bytes.subarray((n - 1) * 32, n * 32)) === 0) continue;
      bytes.set(id.subarray(0, 32), n * 32);
      sortedTops[n] = tops[order[k]!]!;
      n++;
    }
    return new IdSet(bytes.subarray(0, n * 32), sortedTops.subarray(0, n));
  }

  id(i: number): Uint8Array {
    return this.bytes.subarray(i * 32, i * 32 + 32);
  }

  /** First index whose top-48 value is ≥ v. */
  lowerBound(v: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tops[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index range of the ids whose top `depth` bits equal `prefix`. */
  range(depth: number, prefix: number): [number, number] {
    const width = 2 ** (48 - depth);
    const start = prefix * width;
    return [this.lowerBound(start), start + width >= 2 ** 48 ? this.size : this.lowerBound(start + width)];
  }

  /** 256-bit sum of ids in [lo, hi) into out (8 little-endian 32-bit limbs). */
  sumRange(lo: number, hi: number, out: Uint32Array): void {
    const p = this.#sums();
    for (let i = 0; i < 8; i++) out[i] = p[hi * 8 + i]!;
    // out -= p[lo]
    const neg = new Uint8Array(32);
    const dv = new DataView(neg.buffer);
    for (let i = 0; i < 8; i++) dv.setUint32(i * 4, p[lo * 8 + i]!, true);
    addInto(out, neg, -1);
  }

  #sums(): Uint32Array {
    if (this.#prefix === null) {
      const p = new Uint32Array((this.size + 1) * 8);
      const acc = new Uint32Array(8);
      for (let i = 0; i < this.size; i++) {
        addInto(acc, this.id(i), 1);
        p.set(acc, (i + 1) * 8);
      }
      this.#prefix = p;
    }
    return this.#prefix;
  }
}

/** Top 48 bits of id starting at byte `offset`, as a number. */
export function top48(id: Uint8Array, offset: number): number {
  return (
    id[offset]! * 2 ** 40 +
    id[offset + 1]! * 2 ** 32 +
    ((id[offset + 2]! << 24) >>> 0) +
    (id[offset + 3]! << 16) +
    (id[offset + 4]! << 8) +
    id[offset + 5]!
  );
}
