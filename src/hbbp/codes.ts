/** Stable error codes raised by src/hbbp (aggregated in src/errors/codes.ts). Append-only. */
export const HBBP_CODES = {
  MURMUR_HBBP_BAD_KEY:
    'An HBBP key is empty, starts with "/", contains "..", a NUL or a control character, or is not UTF-8.',
  MURMUR_HBBP_TOO_LARGE: 'An HBBP datagram would exceed (or exceeds) the 1232-byte limit; nothing was sent.',
  MURMUR_HBBP_BAD_DATAGRAM: 'An HBBP datagram is malformed (bad envelope, version or length).',
  MURMUR_HBBP_AUTH: 'An encrypted HBBP datagram failed authentication (wrong key set or tampered bytes).',
  MURMUR_HBBP_REPLAY: 'An encrypted HBBP datagram was a replay or its timestamp is outside the window.',
  MURMUR_HBBP_KEYFILE:
    'An HBBP key file is missing, unreadable or malformed, or a key set lacks a needed key.',
} as const satisfies Record<`MURMUR_${string}`, string>;
