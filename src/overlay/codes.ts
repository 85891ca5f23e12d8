/** Stable error codes raised by src/overlay (aggregated in src/errors/codes.ts). Append-only. */
export const OVERLAY_CODES = {
  MURMUR_OVERLAY_BAD_ADDRESS: 'An overlay address is not 32 bytes (or 64 hex characters).',
  MURMUR_OVERLAY_HIVE_TOO_LARGE: 'A hive (peer exchange) message exceeds its size cap.',
  MURMUR_OVERLAY_HIVE_INVALID: 'A hive (peer exchange) message could not be decoded or breaks its limits.',
} as const satisfies Record<`MURMUR_${string}`, string>;
