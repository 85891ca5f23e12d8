import type { KeyObject } from 'node:crypto';
import { publicKeyFromRaw } from '../crypto/ed25519.ts';
import {
  signerFromKeyPair as cryptoSignerFromKeyPair,
  generateKeyPair,
  generateSigner as generateSeededSigner,
  type KeyPair,
  type Signer,
  verifySignature,
} from '../crypto/signer.ts';
import { MurmurError } from '../errors/index.ts';

/**
 * The tree's keys: src/crypto's one Signer and key pair, with the tree's error code
 * (MURMUR_TREE_BAD_KEY); hex and byte helpers are src/bytes' own.
 */
export { bytesEqual, compareBytes, fromHex, toHex } from '../bytes/index.ts';
export { sha256 } from '../crypto/ed25519.ts';
export { generateKeyPair, type KeyPair, type Signer };

export function signerFromKeyPair(pair: KeyPair): Signer {
  return cryptoSignerFromKeyPair(pair, 'MURMUR_TREE_BAD_KEY');
}

/** A fresh signer with a new key pair. */
export function generateSigner(): Signer & { privateKey: Uint8Array } {
  const s = generateSeededSigner();
  return { publicKey: s.publicKey, sign: s.sign, privateKey: s.seed };
}

export function publicKeyObject(raw: Uint8Array): KeyObject {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'an Ed25519 public key is 32 bytes');
  }
  try {
    return publicKeyFromRaw(raw);
  } catch (cause) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'not an Ed25519 public key', { cause });
  }
}

export function signBytes(signer: Signer, message: Uint8Array): Uint8Array {
  return signer.sign(message);
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export const verifyBytes = verifySignature;
