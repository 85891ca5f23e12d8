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

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const publicCache = new Map<string, KeyObject>();
const PUBLIC_CACHE_MAX = 4096;

export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' });
  const priv = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { publicKey: new Uint8Array(pub.subarray(12)), privateKey: new Uint8Array(priv.subarray(16)) };
}

export function signerFromKeyPair(pair: KeyPair): Signer {
  if (pair.privateKey.length !== 32 || pair.publicKey.length !== 32) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'Ed25519 keys are 32 bytes');
  }
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, pair.privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const derived = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
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
  const hex = toHex(raw);
  let key = publicCache.get(hex);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    } catch (cause) {
      throw new MurmurError('MURMUR_TREE_BAD_KEY', 'not an Ed25519 public key', { cause });
    }
    if (publicCache.size >= PUBLIC_CACHE_MAX) publicCache.clear();
    publicCache.set(hex, key);
  }
  return key;
}

export function signBytes(signer: Signer, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, signer.key));
}

/** Verifies an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
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
