import { createHash } from 'node:crypto';
import { fromHex as bytesFromHex } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import { ADDRESS_LENGTH, MAX_PO } from './constants.ts';

/**
 * The overlay address of a node: SHA-256(peer id bytes || network id as UTF-8), 32 bytes. The peer id
 * bytes are the libp2p multihash bytes (`peerId.toMultihash().bytes`); nodes of different networks
 * therefore land at unrelated places in the address space.
 */
export function overlayAddress(peerIdBytes: Uint8Array, networkId: string): Uint8Array {
  const hash = createHash('sha256');
  hash.update(peerIdBytes);
  hash.update(Buffer.from(networkId, 'utf8'));
  return new Uint8Array(hash.digest());
}

/**
 * Proximity order of two addresses: the number of leading bits they share, capped at MAX_PO (31), so
 * equal addresses give 31. Both must be ADDRESS_LENGTH bytes.
 */
export function proximity(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== ADDRESS_LENGTH || b.length !== ADDRESS_LENGTH) {
    throw new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', `overlay addresses are ${ADDRESS_LENGTH} bytes`, {
      details: { a: a.length, b: b.length },
    });
  }
  const bytes = (MAX_PO + 8) >> 3; // only the bytes that can matter up to MAX_PO
  for (let i = 0; i < bytes; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x !== 0) {
      const po = i * 8 + Math.clz32(x) - 24;
      return Math.min(po, MAX_PO);
    }
  }
  return MAX_PO;
}

/** Hex of an address (src/bytes' toHex). */
export { toHex } from '../bytes/index.ts';

/** Address from hex; throws MURMUR_OVERLAY_BAD_ADDRESS unless it is 64 hex characters. */
export function fromHex(hex: string): Uint8Array {
  return bytesFromHex(
    hex,
    ADDRESS_LENGTH,
    () => new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', 'an overlay address is 64 hex characters'),
  );
}

/** Checks an address is a Uint8Array of ADDRESS_LENGTH bytes. */
export function isAddress(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === ADDRESS_LENGTH;
}
