import { API_CODES } from '../api/codes.ts';
import { CHUNKS_CODES } from '../chunks/codes.ts';
import { CLI_CODES } from '../cli/codes.ts';
import { HBBP_CODES } from '../hbbp/codes.ts';
import { JOURNALS_CODES } from '../journals/codes.ts';
import { NODE_CODES } from '../node/codes.ts';
import { OVERLAY_CODES } from '../overlay/codes.ts';
import { P2PTBL_CODES } from '../p2ptbl/codes.ts';
import { PEERS_CODES } from '../peers/codes.ts';
import { STORE_CODES } from '../store/codes.ts';
import { STREAMER_CODES } from '../streamer/codes.ts';
import { TREE_CODES } from '../tree/codes.ts';

/**
 * Every stable error code murmur raises, with what it means. Each module keeps its own codes in its
 * `codes.ts` (pure data, no imports); this table joins them, and docs/ERRORS.md is generated from it
 * (`npm run docs:errors`); a test keeps the two equal. Codes are append-only: never rename or reuse one.
 */
export const ERROR_CODES = {
  MURMUR_INVALID_ARGUMENT: 'An argument given by the caller is malformed or out of range.',
  MURMUR_ABORTED: 'The operation was cancelled through its AbortSignal.',
  MURMUR_TIMEOUT: 'The operation did not finish within its time limit.',
  MURMUR_IO: 'A file-system or socket operation failed.',
  ...HBBP_CODES,
  ...P2PTBL_CODES,
  ...STORE_CODES,
  ...PEERS_CODES,
  ...OVERLAY_CODES,
  ...NODE_CODES,
  ...TREE_CODES,
  ...STREAMER_CODES,
  ...CHUNKS_CODES,
  ...JOURNALS_CODES,
  ...API_CODES,
  ...CLI_CODES,
} as const satisfies Record<`MURMUR_${string}`, string>;

export type ErrorCode = keyof typeof ERROR_CODES;
