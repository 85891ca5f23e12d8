/**
 * The HBBP datagram: `key` or `key \0 payload` (UTF-8 key, arbitrary binary payload), at most
 * HBBP_MAX_DATAGRAM bytes. The sender always writes the NUL, the receiver also accepts a bare key.
 */
import { MurmurError } from '../errors/index.ts';
import { HBBP_MAX_DATAGRAM } from './constants.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A decoded datagram. */
export interface HbbpMessage {
  key: string;
  payload: Uint8Array;
}

function badKey(key: string, why: string): MurmurError {
  return new MurmurError('MURMUR_HBBP_BAD_KEY', `bad HBBP key ${JSON.stringify(key)}: ${why}`, {
    details: { key, reason: why },
  });
}

/**
 * Throws MURMUR_HBBP_BAD_KEY unless `key` is a safe handler name: non-empty, not starting with `/`,
 * no `..`, no NUL, no control character (C0, DEL, C1).
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw badKey(String(key), 'empty');
  if (key.startsWith('/')) throw badKey(key, 'starts with "/"');
  if (key.includes('..')) throw badKey(key, 'contains ".."');
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0) throw badKey(key, 'contains NUL');
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw badKey(key, 'contains a control character');
    // Lone surrogates cannot be encoded as UTF-8: the receiver would see another key.
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = key.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else throw badKey(key, 'not valid Unicode');
    }
  }
}

/** Encodes a validated key as UTF-8. */
export function keyBytes(key: string): Uint8Array {
  validateKey(key);
  return encoder.encode(key);
}

/** Largest payload that fits one plaintext datagram with this key (negative if even the key is too long). */
export function maxPayload(key: string, overhead = 0): number {
  return HBBP_MAX_DATAGRAM - keyBytes(key).length - 1 - overhead;
}

/** `key \0 payload`; throws MURMUR_HBBP_BAD_KEY or MURMUR_HBBP_TOO_LARGE (with the usable size). */
export function encodeDatagram(key: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const k = keyBytes(key);
  const size = k.length + 1 + payload.length;
  if (size > HBBP_MAX_DATAGRAM) {
    const usable = HBBP_MAX_DATAGRAM - k.length - 1;
    throw new MurmurError(
      'MURMUR_HBBP_TOO_LARGE',
      `datagram of ${size} bytes exceeds ${HBBP_MAX_DATAGRAM}; at most ${Math.max(0, usable)} payload bytes fit with this key`,
      { details: { size, max: HBBP_MAX_DATAGRAM, usablePayload: Math.max(0, usable) } },
    );
  }
  const out = new Uint8Array(size);
  out.set(k, 0);
  out[k.length] = 0;
  out.set(payload, k.length + 1);
  return out;
}

/**
 * Splits a received datagram into key and payload (a bare key has an empty payload). Throws
 * MURMUR_HBBP_TOO_LARGE over the cap and MURMUR_HBBP_BAD_KEY for an unsafe or non-UTF-8 key. The payload
 * is a view into `datagram`.
 */
export function decodeDatagram(datagram: Uint8Array): HbbpMessage {
  if (datagram.length > HBBP_MAX_DATAGRAM) {
    throw new MurmurError(
      'MURMUR_HBBP_TOO_LARGE',
      `datagram of ${datagram.length} bytes exceeds ${HBBP_MAX_DATAGRAM}`,
      {
        details: { size: datagram.length, max: HBBP_MAX_DATAGRAM },
      },
    );
  }
  const nul = datagram.indexOf(0);
  const end = nul === -1 ? datagram.length : nul;
  let key: string;
  try {
    key = decoder.decode(datagram.subarray(0, end));
  } catch (cause) {
    throw new MurmurError('MURMUR_HBBP_BAD_KEY', 'HBBP key is not valid UTF-8', { cause });
  }
  validateKey(key);
  const payload = nul === -1 ? new Uint8Array(0) : datagram.subarray(nul + 1);
  return { key, payload };
}
