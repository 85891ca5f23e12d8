import { IDSET_BLOCK } from './constants.ts';
import { lowerBound } from './search.ts';

/** One sorted run of ids: `n` ids of 32 bytes in `ids` (capacity IDSET_BLOCK) and their 256-bit sum. */
interface Block {
  ids: Uint8Array;
  n: number;
  sum: Uint32Array;
}

/**
 * The sorted set of 32-byte record ids of a tree, the storage side of reconciliation, maintained
 * incrementally: ids live in sorted blocks of at most IDSET_BLOCK ids, each with its 256-bit sum.
 * Adding or removing an id is O(log n + IDSET_BLOCK); the per-block prefix sums and start indexes
 * are rebuilt lazily in O(n / IDSET_BLOCK) by the first query after a change. Ranges are id-prefix
 * intervals of the top 48 bits, found by binary search; the sum of any index range costs one
 * subtraction of block prefix sums plus at most IDSET_BLOCK/2 ids at each end.
 *
 * Indexes are positions in the current order: a set changed between two queries may shift them
 * (a reconciliation session tolerates that; `id(i)` returns a copy).
 */
export class IdSet {
  #blocks: Block[] = [];
  #size = 0;
  #dirty = true;
  /** Global index of each block's first id (length blocks + 1). */
  #starts = new Int32Array(1);
  /** Top 48 bits of each block's first id. */
  #firstTops = new Float64Array(0);
  /** Sum of the blocks before each block (8 limbs each, length blocks + 1). */
  #prefix = new Uint32Array(8);

  /** Builds a set from ids (duplicates removed). */
  static from(ids: Iterable<Uint8Array>): IdSet {
    const list = [...ids].sort((a, b) => Buffer.compare(a, b));
    const set = new IdSet();
    const fill = Math.floor((IDSET_BLOCK * 3) / 4);
    let cur: Block | null = null;
    let last: Uint8Array | null = null;
    for (const id of list) {
      if (last !== null && Buffer.compare(last, id) === 0) continue;
      last = id;
      if (cur === null || cur.n === fill) {
        cur = newBlock();
        set.#blocks.push(cur);
      }
      cur.ids.set(id.subarray(0, 32), cur.n * 32);
      addAt(cur.sum, cur.ids, cur.n * 32, 1);
      cur.n++;
      set.#size++;
    }
    return set;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an id; false if it was there. */
  add(id: Uint8Array): boolean {
    if (this.#blocks.length === 0) this.#blocks.push(newBlock());
    const bi = this.#blockFor(id);
    const b = this.#blocks[bi]!;
    const pos = searchIn(b, id);
    if (pos >= 0) return false;
    const at = -pos - 1;
    b.ids.copyWithin((at + 1) * 32, at * 32, b.n * 32);
    b.ids.set(id.subarray(0, 32), at * 32);
    b.n++;
    addAt(b.sum, b.ids, at * 32, 1);
    this.#size++;
    if (b.n === IDSET_BLOCK) this.#split(bi);
    this.#dirty = true;
    return true;
  }

  /** Removes an id; false if it was not there. */
  remove(id: Uint8Array): boolean {
    if (this.#blocks.length === 0) return false;
    const bi = this.#blockFor(id);
    const b = this.#blocks[bi]!;
    const pos = searchIn(b, id);
    if (pos < 0) return false;
    addAt(b.sum, b.ids, pos * 32, -1);
    b.ids.copyWithin(pos * 32, (pos + 1) * 32, b.n * 32);
    b.n--;
    this.#size--;
    if (b.n === 0) this.#blocks.splice(bi, 1);
    this.#dirty = true;
    return true;
  }

  has(id: Uint8Array): boolean {
    if (this.#blocks.length === 0) return false;
    return searchIn(this.#blocks[this.#blockFor(id)]!, id) >= 0;
  }

  /** A copy of the id at index i (ascending order). */
  id(i: number): Uint8Array {
    const [b, k] = this.#locate(i);
    return b.ids.slice(k * 32, k * 32 + 32);
  }

  /** First index whose top-48 value is ≥ v. */
  lowerBound(v: number): number {
    this.#index();
    const tops = this.#firstTops;
    const lo = lowerBound(tops, v);
    // blocks before `lo` start below v: the answer is in block lo-1 or is the start of block lo
    if (lo === 0) return 0;
    const b = this.#blocks[lo - 1]!;
    let a = 0;
    let z = b.n;
    while (a < z) {
      const mid = (a + z) >>> 1;
      if (top48(b.ids, mid * 32) < v) a = mid + 1;
      else z = mid;
    }
    return this.#starts[lo - 1]! + a;
  }

  /** Index range of the ids whose top `depth` bits equal `prefix`. */
  range(depth: number, prefix: number): [number, number] {
    const width = 2 ** (48 - depth);
    const start = prefix * width;
    return [this.lowerBound(start), start + width >= 2 ** 48 ? this.#size : this.lowerBound(start + width)];
  }

  /** 256-bit sum of ids in [lo, hi) into out (8 little-endian 32-bit limbs). */
  sumRange(lo: number, hi: number, out: Uint32Array): void {
    out.fill(0);
    if (hi <= lo) return;
    this.#index();
    const [bl, kl] = this.#locateIndex(lo);
    const [bh, kh] = this.#locateIndex(hi - 1);
    if (bl === bh) {
      partial(out, this.#blocks[bl]!, kl, kh + 1);
      return;
    }
    partial(out, this.#blocks[bl]!, kl, this.#blocks[bl]!.n);
    // whole blocks bl+1 … bh-1: prefix[bh] − prefix[bl+1]
    const p = this.#prefix;
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const s = out[i]! + p[bh * 8 + i]! + carry;
      out[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
    let borrow = 0;
    for (let i = 0; i < 8; i++) {
      const s = out[i]! - p[(bl + 1) * 8 + i]! - borrow;
      out[i] = s >>> 0;
      borrow = s < 0 ? 1 : 0;
    }
    partial(out, this.#blocks[bh]!, 0, kh + 1);
  }

  /** Index of the block that holds (or would hold) id. */
  #blockFor(id: Uint8Array): number {
    const blocks = this.#blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compareAt(blocks[mid]!.ids, 0, id) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #split(bi: number): void {
    const b = this.#blocks[bi]!;
    const half = b.n >>> 1;
    const c = newBlock();
    c.ids.set(b.ids.subarray(half * 32, b.n * 32));
    c.n = b.n - half;
    b.ids.fill(0, half * 32);
    b.n = half;
    for (let k = 0; k < c.n; k++) {
      addAt(c.sum, c.ids, k * 32, 1);
      addAt(b.sum, c.ids, k * 32, -1);
    }
    this.#blocks.splice(bi + 1, 0, c);
  }

  #index(): void {
    if (!this.#dirty) return;
    const blocks = this.#blocks;
    const starts = new Int32Array(blocks.length + 1);
    const tops = new Float64Array(blocks.length);
    const prefix = new Uint32Array((blocks.length + 1) * 8);
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      starts[i + 1] = starts[i]! + b.n;
      tops[i] = top48(b.ids, 0);
      let carry = 0;
      for (let l = 0; l < 8; l++) {
        const s = prefix[i * 8 + l]! + b.sum[l]! + carry;
        prefix[(i + 1) * 8 + l] = s >>> 0;
        carry = s > 0xffffffff ? 1 : 0;
      }
    }
    this.#starts = starts;
    this.#firstTops = tops;
    this.#prefix = prefix;
    this.#dirty = false;
  }

  #locateIndex(i: number): [number, number] {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [lo, i - starts[lo]!];
  }

  #locate(i: number): [Block, number] {
    if (i < 0 || i >= this.#size) throw new RangeError(`id index ${i} out of range`);
    this.#index();
    const [b, k] = this.#locateIndex(i);
    return [this.#blocks[b]!, k];
  }
}

function newBlock(): Block {
  return { ids: new Uint8Array(IDSET_BLOCK * 32), n: 0, sum: new Uint32Array(8) };
}

/** Position of id in the block, or −(insertion point) − 1. */
function searchIn(b: Block, id: Uint8Array): number {
  let lo = 0;
  let hi = b.n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareAt(b.ids, mid * 32, id);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function compareAt(buf: Uint8Array, off: number, id: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = buf[off + i]! - id[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Sum of ids k in [a, z) of a block, added into out; the cheaper of direct or block-sum minus rest. */
function partial(out: Uint32Array, b: Block, a: number, z: number): void {
  if (z - a <= b.n - (z - a)) {
    for (let k = a; k < z; k++) addAt(out, b.ids, k * 32, 1);
    return;
  }
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const s = out[i]! + b.sum[i]! + carry;
    out[i] = s >>> 0;
    carry = s > 0xffffffff ? 1 : 0;
  }
  for (let k = 0; k < a; k++) addAt(out, b.ids, k * 32, -1);
  for (let k = z; k < b.n; k++) addAt(out, b.ids, k * 32, -1);
}

/** sum ± the 256-bit little-endian integer at buf[off..off+32] (mod 2^256). */
function addAt(sum: Uint32Array, buf: Uint8Array, off: number, sign: 1 | -1): void {
  let carry = sign === 1 ? 0 : 1;
  for (let i = 0; i < 8; i++) {
    const o = off + i * 4;
    let x = (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0;
    if (sign === -1) x = ~x >>> 0;
    const s = sum[i]! + x + carry;
    sum[i] = s >>> 0;
    carry = s > 0xffffffff ? 1 : 0;
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
