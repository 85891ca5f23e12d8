import { randomInt } from 'node:crypto';

/** Kinds of the records a tree holds (slot field `kind`). */
export const KIND_ENTRY = 1;
export const KIND_GRANT = 2;
export const KIND_REVOCATION = 3;

const FLAG_TOMBSTONE = 1;

/**
 * Compact in-memory table of a tree's record ids: a slot per record holding its 32-byte id in one
 * arena and a few fixed fields in typed arrays (kind, tombstone flag, timestamp, interned signer and
 * grant chain, next slot of the same key), found by an open-addressing hash over the id bytes
 * (linear probing, backward-shift deletion). About 70 bytes per record instead of objects and hex
 * strings. The hash reads id bytes at a random offset mixed with a random seed, so ids ground to
 * collide for one process do not collide for another.
 */
export class RecordTable {
  count = 0;
  ids = new Uint8Array(0);
  kind = new Uint8Array(0);
  flags = new Uint8Array(0);
  ts = new Float64Array(0);
  signer = new Uint32Array(0);
  chain = new Uint32Array(0);
  next = new Int32Array(0);
  /** Key of each entry slot (the string is shared with the key index). */
  keys: (string | undefined)[] = [];
  #cap = 0;
  #used = 0;
  #free: number[] = [];
  /** slot + 1, 0 = empty. */
  #table = new Int32Array(16);
  readonly #offset = randomInt(0, 29);
  readonly #seed = randomInt(0, 2 ** 31);

  /** Slot of id, or −1. */
  find(id: Uint8Array): number {
    const t = this.#table;
    const mask = t.length - 1;
    for (let i = this.#hash(id, 0) & mask; ; i = (i + 1) & mask) {
      const s = t[i]! - 1;
      if (s < 0) return -1;
      if (this.#idEquals(s, id)) return s;
    }
  }

  /** New slot for id (which must not be present), fields zeroed. */
  alloc(id: Uint8Array, kind: number): number {
    let s = this.#free.pop();
    if (s === undefined) {
      if (this.#used === this.#cap) this.#grow();
      s = this.#used++;
    }
    this.ids.set(id.subarray(0, 32), s * 32);
    this.kind[s] = kind;
    this.flags[s] = 0;
    this.ts[s] = 0;
    this.signer[s] = 0;
    this.chain[s] = 0;
    this.next[s] = -1;
    this.count++;
    if (this.count * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    this.#insert(s);
    return s;
  }

  /** Frees a slot (its fields stay readable until the slot is reused). */
  free(s: number): void {
    const t = this.#table;
    const mask = t.length - 1;
    let i = this.#hash(this.ids, s * 32) & mask;
    while (t[i]! - 1 !== s) i = (i + 1) & mask;
    // backward-shift deletion
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const o = t[j]! - 1;
      if (o < 0) break;
      const home = this.#hash(this.ids, o * 32) & mask;
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = 0;
    this.kind[s] = 0;
    this.keys[s] = undefined;
    this.count--;
    this.#free.push(s);
  }

  /** A copy of the id of a slot. */
  id(s: number): Uint8Array {
    return this.ids.slice(s * 32, s * 32 + 32);
  }

  tombstone(s: number): boolean {
    return (this.flags[s]! & FLAG_TOMBSTONE) !== 0;
  }
  setTombstone(s: number, v: boolean): void {
    this.flags[s] = v ? FLAG_TOMBSTONE : 0;
  }

  /** Compares the ids of two slots bytewise. */
  compareIds(a: number, b: number): number {
    const ids = this.ids;
    for (let i = 0; i < 32; i++) {
      const d = ids[a * 32 + i]! - ids[b * 32 + i]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  #idEquals(s: number, id: Uint8Array): boolean {
    const ids = this.ids;
    const o = s * 32;
    for (let i = 0; i < 32; i++) if (ids[o + i] !== id[i]) return false;
    return true;
  }

  #hash(buf: Uint8Array, off: number): number {
    const o = off + this.#offset;
    const x = (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) ^ this.#seed;
    return Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  }

  #insert(s: number): void {
    const t = this.#table;
    const mask = t.length - 1;
    let i = this.#hash(this.ids, s * 32) & mask;
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = s + 1;
  }

  #rehash(size: number): void {
    const old = this.#table;
    this.#table = new Int32Array(size);
    for (const v of old) if (v !== 0) this.#insert(v - 1);
  }

  #grow(): void {
    const cap = Math.max(64, Math.ceil(this.#cap * 1.5));
    const grow = <T extends Uint8Array | Float64Array | Uint32Array | Int32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids, 32);
    this.kind = grow(this.kind);
    this.flags = grow(this.flags);
    this.ts = grow(this.ts);
    this.signer = grow(this.signer);
    this.chain = grow(this.chain);
    this.next = grow(this.next);
    this.#cap = cap;
  }
}
