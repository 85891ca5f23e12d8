import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/p2ptbl: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const P2PTBL_CODES = defineCodes({
  MURMUR_P2PTBL_LOCKED: {
    message: "The table's exclusive lock could not be taken within the time limit.",
    http: 400,
  },
  MURMUR_P2PTBL_NO_TABLE: {
    message: 'The table file does not exist (create it with `p2ptbl init`).',
    http: 400,
  },
  MURMUR_P2PTBL_BAD_KEY: {
    message: 'A table key is empty or contains a tab, newline or NUL byte.',
    http: 400,
  },
  MURMUR_P2PTBL_BAD_VALUE: { message: 'A table value contains a newline or NUL byte.', http: 400 },
  MURMUR_P2PTBL_TOO_LARGE: {
    message: 'A table file or a received payload (compressed or decompressed) exceeds its size cap.',
    http: 400,
  },
  MURMUR_P2PTBL_BAD_GZIP: { message: 'A received gossip payload is not valid gzip data.', http: 400 },
  MURMUR_P2PTBL_NO_ROW_FITS: {
    message: 'Gossip: not even one row of the table fits in the size budget.',
    http: 400,
  },
  MURMUR_P2PTBL_FILTER_FAILED: {
    message: 'The filter program failed, or printed a row that is not `key<TAB>values`.',
    http: 400,
  },
  MURMUR_P2PTBL_BAD_TABLE_NAME: {
    message: 'p2ptbl-recv could not derive a table name from its invoked name.',
    http: 400,
  },
});

type P2ptblCodes = typeof P2PTBL_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends P2ptblCodes {}
}
