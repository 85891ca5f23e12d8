import { bytesEqual } from '../bytes/index.ts';
import { type ErrorCode, MurmurError } from '../errors/index.ts';
import { generateEd25519, privateKeyFromSeed, rawPublicKey, signEd25519, verifyEd25519 } from './ed25519.ts';

/**
 * The one signer of murmur: tree entries, grants and revocations and journal events are all signed
 * by an Ed25519 Signer (a raw 32-byte public key and a sign function; the private KeyObject is parsed
 * once and kept in the closure). Signatures are plain Ed25519 over the message bytes, 64 bytes.
 */
export interface Signer {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The 64-byte Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** Ed25519 keys as raw bytes: 32-byte public key, 32-byte private seed. */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A signer that also holds its 32-byte private seed (to store it). */
export type SeededSigner = Signer & { readonly seed: Uint8Array };

export function generateKeyPair(): KeyPair {
  const { publicKey, seed } = generateEd25519();
  return { publicKey, privateKey: seed };
}

/** A signer with a fresh key pair. */
export function generateSigner(): SeededSigner {
  const { publicKey, seed, key } = generateEd25519();
  return { publicKey, seed, sign: (m) => signEd25519(key, m) };
}

/** The signer of a 32-byte Ed25519 seed (`code`, MURMUR_INVALID_ARGUMENT by default, if it is not one). */
export function signerFromSeed(seed: Uint8Array, code: ErrorCode = 'MURMUR_INVALID_ARGUMENT'): SeededSigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new MurmurError(code, 'an Ed25519 seed is 32 bytes');
  }
  const key = privateKeyFromSeed(seed);
  return { publicKey: rawPublicKey(key), seed: new Uint8Array(seed), sign: (m) => signEd25519(key, m) };
}

/**
 * The signer of a key pair, checking that both halves are 32 bytes and belong together (`code`,
 * MURMUR_INVALID_ARGUMENT by default, otherwise).
 */
export function signerFromKeyPair(pair: KeyPair, code: ErrorCode = 'MURMUR_INVALID_ARGUMENT'): SeededSigner {
  if (
    !(pair.privateKey instanceof Uint8Array) ||
    !(pair.publicKey instanceof Uint8Array) ||
    pair.privateKey.length !== 32 ||
    pair.publicKey.length !== 32
  ) {
    throw new MurmurError(code, 'Ed25519 keys are 32 bytes');
  }
  const signer = signerFromSeed(pair.privateKey, code);
  if (!bytesEqual(signer.publicKey, pair.publicKey)) {
    throw new MurmurError(code, 'public key does not belong to the private key');
  }
  return signer;
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyEd25519(publicKey, message, signature);
}
