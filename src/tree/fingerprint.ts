import { DOMAIN_ROOT } from './constants.ts';
import { sha256 } from './keys.ts';

/**
 * Incremental set fingerprint: the sum modulo 2^256 of the 32-byte ids (read little-endian) plus
 * the count. Adding or removing one id is O(1), so the root hash of a tree is kept up to date on
 * every write. The announced root hash is SHA-256("murmur/tree/root/v1" || sum || count)[0..16].
 */
export class Fingerprint {
  readonly sum = new Uint32Array(8);
  count = 0;

  add(id: Uint8Array): void {
    addInto(this.sum, id, 1);
    this.count++;
  }

  remove(id: Uint8Array): void {
    addInto(this.sum, id, -1);
    this.count--;
  }

  /** 16-byte root hash. */
  hash(): Uint8Array {
    return rootHash(this.sum, this.count);
  }
}

const ROOT_TAG = new Uint8Array(Buffer.from(`${DOMAIN_ROOT}\0`));

export function rootHash(sum: Uint32Array, count: number): Uint8Array {
  const c = new Uint8Array(8);
  new DataView(c.buffer).setBigUint64(0, BigInt(count), true);
  return sha256(ROOT_TAG, limbsBytes(sum), c).subarray(0, 16);
}

export function limbsBytes(sum: Uint32Array): Uint8Array {
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) dv.setUint32(i * 4, sum[i]!, true);
  return out;
}

/** sum += sign * id (mod 2^256), id read as a little-endian 256-bit integer. */
export function addInto(sum: Uint32Array, id: Uint8Array, sign: 1 | -1): void {
  const dv = new DataView(id.buffer, id.byteOffset, 32);
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const x = sign === 1 ? dv.getUint32(i * 4, true) : ~dv.getUint32(i * 4, true) >>> 0;
    const s = sum[i]! + x + carry + (sign === -1 && i === 0 ? 1 : 0);
    sum[i] = s >>> 0;
    carry = s > 0xffffffff ? 1 : 0;
  }
}
