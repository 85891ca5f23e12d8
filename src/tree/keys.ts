import type { KeyObject } from 'node:crypto';
import {
  generateEd25519,
  privateKeyFromSeed,
  publicKeyFromRaw,
  rawPublicKey,
  signEd25519,
  verifyEd25519,
} from '../crypto/ed25519.ts';
import { MurmurError } from '../errors/index.ts';

export { sha256, toHex } from '../crypto/ed25519.ts';

/** Ed25519 keys as raw bytes: 32-byte public key, 32-byte private seed. */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A signer: its raw public key and a private KeyObject (cached, so signing does not re-parse). */
export interface Signer {
  readonly publicKey: Uint8Array;
  readonly key: KeyObject;
}

export function generateKeyPair(): KeyPair {
  const { publicKey, seed } = generateEd25519();
  return { publicKey, privateKey: seed };
}

export function signerFromKeyPair(pair: KeyPair): Signer {
  if (pair.privateKey.length !== 32 || pair.publicKey.length !== 32) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'Ed25519 keys are 32 bytes');
  }
  const key = privateKeyFromSeed(pair.privateKey);
  const derived = rawPublicKey(key);
  if (!Buffer.from(derived).equals(pair.publicKey)) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'public key does not belong to the private key');
  }
  return { publicKey: new Uint8Array(pair.publicKey), key };
}

/** A fresh signer with a new key pair. */
export function generateSigner(): Signer & { privateKey: Uint8Array } {
  const pair = generateKeyPair();
  return { ...signerFromKeyPair(pair), privateKey: pair.privateKey };
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
  return signEd25519(signer.key, message);
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export const verifyBytes = verifyEd25519;

export function fromHex(hex: string, length?: number): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex) || (length !== undefined && hex.length !== length * 2)) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `expected ${length ?? 'some'} bytes of hex`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
