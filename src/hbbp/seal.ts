/**
 * The encrypted HBBP datagram (docs/HBBP.md): `key \0 envelope`, envelope =
 * magic 0xB5 | version 1 | key id (8) | timestamp ms (u64 BE) | nonce (24) | ChaCha20-Poly1305 ciphertext | tag (16).
 * The key and the whole header are authenticated as associated data. Each datagram uses a fresh random
 * 24-byte nonce: its first 16 bytes salt an HKDF that derives a one-datagram subkey from the group key,
 * its last 8 bytes (zero-padded) are the cipher's IV, so nonces never repeat under one subkey.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { MurmurError } from '../errors/index.ts';
import {
  DEFAULT_REPLAY_WINDOW_MS,
  HBBP_MAX_DATAGRAM,
  REPLAY_MAX_NONCES,
  SEAL_HEADER_LEN,
  SEAL_KEY_ID_LEN,
  SEAL_MAGIC,
  SEAL_NONCE_LEN,
  SEAL_OVERHEAD,
  SEAL_TAG_LEN,
  SEAL_TS_LEN,
  SEAL_VERSION,
} from './constants.ts';
import { keyBytes } from './datagram.ts';
import type { KeySet } from './keyring.ts';

const TS_OFF = 2 + SEAL_KEY_ID_LEN;
const NONCE_OFF = TS_OFF + SEAL_TS_LEN;
const INFO = Buffer.from('murmur-hbbp-v1 datagram');

function cipherKeyIv(groupKey: Uint8Array, nonce: Uint8Array): { key: Buffer; iv: Buffer } {
  const key = Buffer.from(hkdfSync('sha256', groupKey, nonce.subarray(0, 16), INFO, 32));
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16, SEAL_NONCE_LEN), 0);
  return { key, iv };
}

function aad(k: Uint8Array, header: Uint8Array): Buffer {
  return Buffer.concat([k, Buffer.of(0), header]);
}

/** Largest payload that fits one encrypted datagram with this key. */
export function maxSealedPayload(key: string): number {
  return HBBP_MAX_DATAGRAM - keyBytes(key).length - 1 - SEAL_OVERHEAD;
}

/** Builds `key \0 envelope`; throws MURMUR_HBBP_KEYFILE without a seal key, MURMUR_HBBP_TOO_LARGE over the cap. */
export function sealDatagram(
  key: string,
  payload: Uint8Array,
  set: KeySet,
  opts: { now?: number; nonce?: Uint8Array } = {},
): Uint8Array {
  if (!set.sealKey) {
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `key set ${set.name} has no send.priv: cannot encrypt`);
  }
  const k = keyBytes(key);
  const size = k.length + 1 + SEAL_OVERHEAD + payload.length;
  if (size > HBBP_MAX_DATAGRAM) {
    const usable = Math.max(0, HBBP_MAX_DATAGRAM - k.length - 1 - SEAL_OVERHEAD);
    throw new MurmurError(
      'MURMUR_HBBP_TOO_LARGE',
      `encrypted datagram of ${size} bytes exceeds ${HBBP_MAX_DATAGRAM}; at most ${usable} payload bytes fit with this key`,
      { details: { size, max: HBBP_MAX_DATAGRAM, usablePayload: usable } },
    );
  }
  const header = new Uint8Array(SEAL_HEADER_LEN);
  const view = new DataView(header.buffer);
  header[0] = SEAL_MAGIC;
  header[1] = SEAL_VERSION;
  header.set(set.keyId, 2);
  view.setBigUint64(TS_OFF, BigInt(Math.max(0, Math.floor(opts.now ?? Date.now()))));
  header.set(opts.nonce ?? randomBytes(SEAL_NONCE_LEN), NONCE_OFF);
  const { key: ck, iv } = cipherKeyIv(set.sealKey, header.subarray(NONCE_OFF));
  const cipher = createCipheriv('chacha20-poly1305', ck, iv, { authTagLength: SEAL_TAG_LEN });
  cipher.setAAD(aad(k, header), { plaintextLength: payload.length });
  const ct = Buffer.concat([cipher.update(payload), cipher.final()]);
  const out = new Uint8Array(size);
  out.set(k, 0);
  out[k.length] = 0;
  out.set(header, k.length + 1);
  out.set(ct, k.length + 1 + SEAL_HEADER_LEN);
  out.set(cipher.getAuthTag(), size - SEAL_TAG_LEN);
  return out;
}

/** An opened envelope. */
export interface Opened {
  payload: Uint8Array;
  timestamp: number;
  nonce: Uint8Array;
  keyId: Uint8Array;
}

/** True if `payload` starts like an encrypted envelope. */
export function looksSealed(payload: Uint8Array): boolean {
  return payload.length >= SEAL_OVERHEAD && payload[0] === SEAL_MAGIC && payload[1] === SEAL_VERSION;
}

/**
 * Authenticates and decrypts the envelope that follows `key \0`. Throws MURMUR_HBBP_BAD_DATAGRAM
 * (malformed), MURMUR_HBBP_AUTH (other key set, tampered) or MURMUR_HBBP_KEYFILE (no recv.priv).
 */
export function openEnvelope(key: string, envelope: Uint8Array, set: KeySet): Opened {
  if (envelope.length < SEAL_OVERHEAD) {
    throw new MurmurError(
      'MURMUR_HBBP_BAD_DATAGRAM',
      `encrypted envelope too short (${envelope.length} bytes)`,
    );
  }
  if (envelope[0] !== SEAL_MAGIC || envelope[1] !== SEAL_VERSION) {
    throw new MurmurError(
      'MURMUR_HBBP_BAD_DATAGRAM',
      'not an encrypted HBBP envelope (bad magic or version)',
    );
  }
  if (!set.openKey) {
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `key set ${set.name} has no recv.priv: cannot decrypt`);
  }
  const header = envelope.subarray(0, SEAL_HEADER_LEN);
  const keyId = header.subarray(2, TS_OFF);
  if (!timingSafeEqual(keyId, set.keyId)) {
    throw new MurmurError(
      'MURMUR_HBBP_AUTH',
      `datagram for ${JSON.stringify(key)} was sealed with another key set`,
    );
  }
  const ts = new DataView(header.buffer, header.byteOffset, header.byteLength).getBigUint64(TS_OFF);
  const nonce = header.subarray(NONCE_OFF);
  const ct = envelope.subarray(SEAL_HEADER_LEN, envelope.length - SEAL_TAG_LEN);
  const tag = envelope.subarray(envelope.length - SEAL_TAG_LEN);
  const { key: ck, iv } = cipherKeyIv(set.openKey, nonce);
  try {
    const d = createDecipheriv('chacha20-poly1305', ck, iv, { authTagLength: SEAL_TAG_LEN });
    d.setAAD(aad(keyBytes(key), header), { plaintextLength: ct.length });
    d.setAuthTag(tag);
    const pt = Buffer.concat([d.update(ct), d.final()]);
    return {
      payload: new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength),
      timestamp: Number(ts),
      nonce: new Uint8Array(nonce),
      keyId: new Uint8Array(keyId),
    };
  } catch (cause) {
    throw new MurmurError('MURMUR_HBBP_AUTH', `datagram for ${JSON.stringify(key)} failed authentication`, {
      cause,
    });
  }
}

/**
 * Rejects replays: a timestamp further than `windowMs` from now, a nonce already seen, or (after the
 * memory cap forced evictions) a timestamp not newer than the newest evicted one.
 */
export class ReplayGuard {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #seen = new Map<string, { ts: number; at: number }>();
  #floor = -1;

  constructor(opts: { windowMs?: number; maxNonces?: number } = {}) {
    this.#windowMs = opts.windowMs ?? DEFAULT_REPLAY_WINDOW_MS;
    this.#max = opts.maxNonces ?? REPLAY_MAX_NONCES;
  }

  /** Throws MURMUR_HBBP_REPLAY, or records the nonce. */
  check(opened: Opened, now: number = Date.now()): void {
    for (const [id, v] of this.#seen) {
      if (v.at + 2 * this.#windowMs >= now) break;
      this.#seen.delete(id);
    }
    if (Math.abs(now - opened.timestamp) > this.#windowMs) {
      throw new MurmurError(
        'MURMUR_HBBP_REPLAY',
        `timestamp ${opened.timestamp} outside ±${this.#windowMs} ms`,
        {
          details: { timestamp: opened.timestamp, now },
        },
      );
    }
    if (opened.timestamp <= this.#floor) {
      throw new MurmurError('MURMUR_HBBP_REPLAY', 'timestamp older than the replay memory');
    }
    const id = Buffer.concat([opened.keyId, opened.nonce]).toString('base64');
    if (this.#seen.has(id)) throw new MurmurError('MURMUR_HBBP_REPLAY', 'nonce already seen (replay)');
    this.#seen.set(id, { ts: opened.timestamp, at: now });
    while (this.#seen.size > this.#max) {
      const first = this.#seen.entries().next().value;
      if (!first) break;
      this.#seen.delete(first[0]);
      this.#floor = Math.max(this.#floor, first[1].ts);
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}
