/** Stable error codes raised by src/store (aggregated in src/errors/codes.ts). Append-only. */
export const STORE_CODES = {
  MURMUR_DATA_IN_USE: 'The data folder is already used by another running murmur process.',
  MURMUR_STORE_FORMAT:
    'The store was written by a newer murmur (format version) or its meta record is unreadable.',
  MURMUR_STORE_OPEN: 'The key/value store could not be opened.',
} as const satisfies Record<`MURMUR_${string}`, string>;
