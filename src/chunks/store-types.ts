import { createHash } from 'node:crypto';
import { ADDRESS_SIZE } from './constants.ts';

/** One entry of a bin's pull index. */
export interface PullItem {
  binId: bigint;
  address: Uint8Array;
  /** Origin tag (8 bytes) of the peer that delivered the chunk by pull-sync, if any. */
  origin?: Uint8Array;
}

/** Bytes of an origin tag: the first 8 bytes of SHA-256(peer id). */
export const ORIGIN_TAG_SIZE = 8;

/** The origin tag of a peer id, stored next to the address in the pull index. */
export function originTag(peerId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(peerId).digest().subarray(0, ORIGIN_TAG_SIZE));
}

export interface PutResult {
  /** False when the chunk was already stored (no new bin ID). */
  stored: boolean;
  bin: number;
  binId: bigint;
}

export const binKey = (bin: number, binId: bigint): string =>
  `${bin.toString(16).padStart(2, '0')}${binId.toString(16).padStart(16, '0')}`;

export function withOrigin(address: Uint8Array, origin: Uint8Array): Uint8Array {
  const v = new Uint8Array(ADDRESS_SIZE + origin.length);
  v.set(address);
  v.set(origin, ADDRESS_SIZE);
  return v;
}
