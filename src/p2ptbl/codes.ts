/** Stable error codes raised by src/p2ptbl (aggregated in src/errors/codes.ts). Append-only. */
export const P2PTBL_CODES = {
  MURMUR_P2PTBL_LOCKED: "The table's exclusive lock could not be taken within the time limit.",
  MURMUR_P2PTBL_NO_TABLE: 'The table file does not exist (create it with `p2ptbl init`).',
  MURMUR_P2PTBL_BAD_KEY: 'A table key is empty or contains a tab, newline or NUL byte.',
  MURMUR_P2PTBL_BAD_VALUE: 'A table value contains a newline or NUL byte.',
  MURMUR_P2PTBL_TOO_LARGE:
    'A table file or a received payload (compressed or decompressed) exceeds its size cap.',
  MURMUR_P2PTBL_BAD_GZIP: 'A received gossip payload is not valid gzip data.',
  MURMUR_P2PTBL_NO_ROW_FITS: 'Gossip: not even one row of the table fits in the size budget.',
  MURMUR_P2PTBL_FILTER_FAILED: 'The filter program failed, or printed a row that is not `key<TAB>values`.',
  MURMUR_P2PTBL_BAD_TABLE_NAME: 'p2ptbl-recv could not derive a table name from its invoked name.',
} as const satisfies Record<`MURMUR_${string}`, string>;
