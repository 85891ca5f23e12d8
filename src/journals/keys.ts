import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { MurmurError } from '../errors/index.ts';

/**
 * The writer of journals: an Ed25519 public key and a signing function. The node passes its identity
 * key (`writerFromSeed(privateKey.raw.subarray(0, 32))`); tests use generateWriter().
 */
export interface Writer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;

function writerFromKey(key: KeyObject): Writer {
  const publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, key)) };
}

/** A writer from a 32-byte Ed25519 private seed. */
export function writerFromSeed(seed: Uint8Array): Writer & { seed: Uint8Array } {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { ...writerFromKey(key), seed: new Uint8Array(seed) };
}

/** A writer with a fresh key pair. */
export function generateWriter(): Writer & { seed: Uint8Array } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16));
  return { ...writerFromKey(privateKey), seed };
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  const hex = Buffer.from(raw).toString('hex');
  let key = keyCache.get(hex);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(hex, key);
  }
  return key;
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
