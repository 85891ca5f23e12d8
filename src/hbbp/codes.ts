import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/hbbp: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const HBBP_CODES = defineCodes({
  MURMUR_HBBP_BAD_KEY: {
    message:
      'An HBBP key is empty, starts with "/", contains "..", a NUL or a control character, or is not UTF-8.',
    http: 400,
  },
  MURMUR_HBBP_TOO_LARGE: {
    message: 'An HBBP datagram would exceed (or exceeds) the 1232-byte limit; nothing was sent.',
    http: 400,
  },
  MURMUR_HBBP_BAD_DATAGRAM: {
    message: 'An HBBP datagram is malformed (bad envelope, version or length).',
    http: 400,
  },
  MURMUR_HBBP_AUTH: {
    message: 'An encrypted HBBP datagram failed authentication (wrong key set or tampered bytes).',
    http: 400,
  },
  MURMUR_HBBP_REPLAY: {
    message: 'An encrypted HBBP datagram was a replay or its timestamp is outside the window.',
    http: 400,
  },
  MURMUR_HBBP_KEYFILE: {
    message: 'An HBBP key file is missing, unreadable or malformed, or a key set lacks a needed key.',
    http: 400,
  },
});

type HbbpCodes = typeof HBBP_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends HbbpCodes {}
}
