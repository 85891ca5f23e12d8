/** Stable error codes raised by src/peers (aggregated in src/errors/codes.ts). Append-only. */
export const PEERS_CODES = {
  MURMUR_PEERS_RECORD_INVALID:
    'A persisted peer record is corrupt, too large or of an unknown format version.',
  MURMUR_PEERS_NOT_STARTED: 'The peer book was used before start() or after stop().',
} as const satisfies Record<`MURMUR_${string}`, string>;
