import { MurmurError } from '../../errors/index.ts';

/**
 * Stored records of the chunk store's capacity bookkeeping (docs/STORAGE.md "Chunks"):
 * - `m!usage` (utf8): `<bytes>:<chunks>:<pinned chunks>:<pinned bytes>`, exact after every batch;
 * - `m!segfree/<segment>` (utf8): bytes of that segment no longer referenced (evicted or moved);
 * - `n!<address hex>` (8 bytes): u32be pin count ‖ u32be data length of a pinned chunk;
 * - `r!<root hex>` (12 bytes): u32be distinct chunks ‖ u64be their data bytes, per pinned root.
 */

export interface Usage {
  /** Bytes of chunk data stored (what the capacity bounds). */
  bytes: number;
  chunks: number;
  /** Chunks with a pin count > 0 and their data bytes. */
  pinnedChunks: number;
  pinnedBytes: number;
}

export const emptyUsage = (): Usage => ({ bytes: 0, chunks: 0, pinnedChunks: 0, pinnedBytes: 0 });

export function encodeUsage(u: Usage): string {
  return `${u.bytes}:${u.chunks}:${u.pinnedChunks}:${u.pinnedBytes}`;
}

/** Undefined unless `v` is four whole numbers joined by `:` (the store then counts again). */
export function decodeUsage(v: string | undefined): Usage | undefined {
  const m = v === undefined ? null : /^(\d{1,16}):(\d{1,16}):(\d{1,16}):(\d{1,16})$/.exec(v);
  if (!m) return undefined;
  const n = m.slice(1, 5).map(Number);
  if (!n.every(Number.isSafeInteger)) return undefined;
  return { bytes: n[0]!, chunks: n[1]!, pinnedChunks: n[2]!, pinnedBytes: n[3]! };
}

/** A whole number ≥ 0 stored as decimal text (`segfree/…`); anything else is 0. */
export function decodeCount(v: string | undefined): number {
  if (v === undefined || !/^\d{1,16}$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

const corrupt = (what: string): MurmurError =>
  new MurmurError('MURMUR_CHUNKS_STORAGE', `corrupt ${what} record in the chunk store`);

/** Pin count and data length of one pinned chunk. */
export interface PinCount {
  count: number;
  length: number;
}

export function encodePinCount(p: PinCount): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(p.count, 0);
  b.writeUInt32BE(p.length, 4);
  return b;
}

/** Throws MURMUR_CHUNKS_STORAGE unless `v` is 8 bytes. */
export function decodePinCount(v: Uint8Array): PinCount {
  if (v.length !== 8) throw corrupt('pin count');
  const b = Buffer.from(v.buffer, v.byteOffset, v.length);
  return { count: b.readUInt32BE(0), length: b.readUInt32BE(4) };
}

/** What pinning a root covers: distinct chunks of its tree and their data bytes. */
export interface PinRoot {
  chunks: number;
  bytes: number;
}

export function encodePinRoot(p: PinRoot): Uint8Array {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(p.chunks, 0);
  b.writeBigUInt64BE(BigInt(p.bytes), 4);
  return b;
}

/** Throws MURMUR_CHUNKS_STORAGE unless `v` is 12 bytes with a byte count that is a safe integer. */
export function decodePinRoot(v: Uint8Array): PinRoot {
  if (v.length !== 12) throw corrupt('pinned root');
  const b = Buffer.from(v.buffer, v.byteOffset, v.length);
  const bytes = b.readBigUInt64BE(4);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('pinned root');
  return { chunks: b.readUInt32BE(0), bytes: Number(bytes) };
}
