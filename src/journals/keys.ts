import {
  verifySignature as cryptoVerifySignature,
  generateSigner,
  type SeededSigner,
  type Signer,
  signerFromSeed,
} from '../crypto/signer.ts';

export { bytesEqual, toHex } from '../bytes/index.ts';
export { sha256 } from '../crypto/ed25519.ts';

/**
 * The writer of journals: src/crypto's one Signer (an Ed25519 public key and a signing function).
 * The service reads it from the journal key file; tests use generateWriter().
 */
export type Writer = Signer;

/** A writer from a 32-byte Ed25519 private seed (MURMUR_INVALID_ARGUMENT otherwise). */
export function writerFromSeed(seed: Uint8Array): SeededSigner {
  return signerFromSeed(seed);
}

/** A writer with a fresh key pair. */
export function generateWriter(): SeededSigner {
  return generateSigner();
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export const verifySignature = cryptoVerifySignature;
