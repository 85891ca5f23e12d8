import { hash } from 'node:crypto';
import { bytesEqual, toHex } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import { ADDRESS_SIZE, CHUNK_SIZE, MAX_CHUNK_DATA, SPAN_SIZE } from './constants.ts';

/**
 * A chunk: `data` = span (u64 little-endian, the number of file bytes the chunk covers) || payload
 * (0..4096 bytes); `address` = SHA-256(data). For a data chunk span = payload length; for an
 * intermediate chunk the payload is its children's addresses and span = the bytes of its subtree.
 */
export interface Chunk {
  address: Uint8Array;
  data: Uint8Array;
}

/** SHA-256 of the chunk data (span included): the content address. */
export function chunkAddress(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer')); // one-shot: no Hash object per chunk
}

/** Builds a chunk from a payload and a span (default: the payload length). */
export function makeChunk(payload: Uint8Array, span: bigint = BigInt(payload.length)): Chunk {
  if (payload.length > CHUNK_SIZE) {
    throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', `payload larger than ${CHUNK_SIZE} bytes`);
  }
  const data = new Uint8Array(SPAN_SIZE + payload.length);
  new DataView(data.buffer).setBigUint64(0, span, true);
  data.set(payload, SPAN_SIZE);
  return { address: chunkAddress(data), data };
}

export function validSize(data: Uint8Array): boolean {
  return data.length >= SPAN_SIZE && data.length <= MAX_CHUNK_DATA;
}

/** True if `data` is well-sized and hashes to `address`. */
export function isValidChunk(address: Uint8Array, data: Uint8Array): boolean {
  return address.length === ADDRESS_SIZE && validSize(data) && bytesEqual(chunkAddress(data), address);
}

/** The span (bytes covered) of chunk data. */
export function spanOf(data: Uint8Array): bigint {
  if (!validSize(data)) throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', 'chunk data size out of range');
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0, true);
}

export function payloadOf(data: Uint8Array): Uint8Array {
  return data.subarray(SPAN_SIZE);
}

/** src/bytes' bytesEqual and toHex under the names the chunks code uses. */
export { bytesEqual as equalBytes, toHex as hex };

export function isZero(a: Uint8Array): boolean {
  for (const x of a) if (x !== 0) return false;
  return true;
}
