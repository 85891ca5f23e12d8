import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { toHex } from '../bytes/index.ts';

/**
 * Ed25519 and SHA-256 on node:crypto with raw 32-byte keys, under the one Signer (./signer.ts) of
 * every module that signs (tree, journals). Public KeyObjects are cached, so verifying many records of one signer parses its key once.
 */

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const publicCache = new Map<string, KeyObject>();
const PUBLIC_CACHE_MAX = 4096;

/** A fresh key pair as raw bytes: 32-byte public key, 32-byte private seed. */
export function generateEd25519(): { publicKey: Uint8Array; seed: Uint8Array; key: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12)),
    seed: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16)),
    key: privateKey,
  };
}

/** The private KeyObject of a 32-byte seed (throws node's error on a malformed one). */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key of a private KeyObject. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
}

/** The cached public KeyObject of a raw 32-byte key (throws node's error on a malformed one). */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  const hex = toHex(raw);
  let key = publicCache.get(hex);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicCache.size >= PUBLIC_CACHE_MAX) publicCache.clear();
    publicCache.set(hex, key);
  }
  return key;
}

export function signEd25519(key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key));
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
