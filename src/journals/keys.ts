import {
  generateEd25519,
  privateKeyFromSeed,
  rawPublicKey,
  signEd25519,
  verifyEd25519,
} from '../crypto/ed25519.ts';
import { MurmurError } from '../errors/index.ts';

export { bytesEqual, sha256, toHex } from '../crypto/ed25519.ts';

/**
 * The writer of journals: an Ed25519 public key and a signing function. The node passes its identity
 * key (`writerFromSeed(privateKey.raw.subarray(0, 32))`); tests use generateWriter().
 */
export interface Writer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A writer from a 32-byte Ed25519 private seed. */
export function writerFromSeed(seed: Uint8Array): Writer & { seed: Uint8Array } {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
  const key = privateKeyFromSeed(seed);
  return { publicKey: rawPublicKey(key), sign: (m) => signEd25519(key, m), seed: new Uint8Array(seed) };
}

/** A writer with a fresh key pair. */
export function generateWriter(): Writer & { seed: Uint8Array } {
  const { publicKey, seed, key } = generateEd25519();
  return { publicKey, sign: (m) => signEd25519(key, m), seed };
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export const verifySignature = verifyEd25519;
