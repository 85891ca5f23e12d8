/** Limits and defaults of p2ptbl tables (see docs/P2PTBL.md). */

/** Where tables live by default, as in the original (`/tmp/p2ptbl/<table>`). Env `P2PTBL_DIR` overrides. */
export const DEFAULT_TABLE_DIR = '/tmp/p2ptbl';

/** An update adds 1 + r to the old version, r uniform in [0, 2^VERSION_RANDOM_BITS). */
export const VERSION_RANDOM_BITS = 32;

/** A version with more decimal digits than this is malformed (2^32 per update never gets near it). */
export const MAX_VERSION_DIGITS = 200;

/** A table file larger than this is refused instead of read into memory. */
export const MAX_TABLE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Largest row (`key \t version \t values \n`, in bytes): an update over it is refused, a received
 * row over it skipped. A gossip datagram carries at most ~1.2 KB gzipped, so this only binds rows that
 * compress extremely well (1 KB of gzip can inflate to a 1 MiB row).
 */
export const MAX_ROW_BYTES = 64 * 1024;

/** Rows merged from one gossip payload at most (the rest are dropped and counted). */
export const MAX_RECV_ROWS = 4096;

/**
 * Received rows may grow a table only up to this size (¾ of MAX_TABLE_FILE_BYTES): the last quarter
 * is left to the node's own writes, so rows from the network can never make the table unusable.
 */
export const MAX_RECV_TABLE_BYTES = (MAX_TABLE_FILE_BYTES / 4) * 3;

/** p2ptbl-recv refuses compressed input larger than this (an HBBP datagram is at most 1232 bytes). */
export const MAX_RECV_COMPRESSED_BYTES = 64 * 1024;

/** p2ptbl-recv refuses a payload that inflates to more than this (gzip bombs). */
export const MAX_RECV_DECOMPRESSED_BYTES = 1024 * 1024;

/** HBBP's datagram cap (IPv6 minimum MTU 1280 - 48 header bytes): a gossip payload must fit one datagram. */
export { HBBP_MAX_DATAGRAM } from '../hbbp/constants.ts';

/** Gossip HBBP key = prefix + basename of the table path. */
export const GOSSIP_KEY_PREFIX = 'p2ptbl/';

/** Deflate level of gossip payloads: the best ratio, since the budget is tiny. */
export const GZIP_LEVEL = 9;

/** How long a writer waits for the table lock before MURMUR_P2PTBL_LOCKED. */
export const LOCK_TIMEOUT_MS = 30_000;

/** Poll interval of the lock-file fallback (used only where flock(1) is missing). */
export const LOCK_POLL_MS = 15;

/** First line of the hot-rows sidecar `T.hot` (./hot.ts); a file without it is ignored. */
export const HOT_HEADER = 'p2ptbl-hot 1';

/** A sidecar larger than this is ignored (nothing hot). */
export const MAX_HOT_FILE_BYTES = 64 * 1024 * 1024;

/** Cap on the sends a hot row is given. */
export const MAX_HOT_SENDS = 1000;

/**
 * Default K: a row changed locally (update, del, filter) goes first in its next K gossips. Chosen by
 * bench/p2ptbl-convergence.ts (docs/P2PTBL.md). Env `P2PTBL_HOT_SENDS` overrides in the commands.
 */
export const DEFAULT_HOT_SENDS = 3;

/**
 * Default K for a row changed by a merge (gossip received or `merge`). A row learnt from a broadcast
 * was already heard by the whole link once, so it gets one send less than a local change.
 */
export const DEFAULT_MERGE_HOT_SENDS = 2;
