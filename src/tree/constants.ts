/** Limits and protocol constants of the signed key/value tree. */

/** Maximum bytes of a key path (UTF-8, all ASCII by grammar). */
export const MAX_PATH_BYTES = 1024;
/** Maximum number of segments of a key path or pattern. */
export const MAX_PATH_DEPTH = 32;
/** Maximum bytes of one path segment. */
export const MAX_SEGMENT_BYTES = 255;
/** Maximum bytes of a value. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** Maximum grants in one entry's chain. */
export const MAX_CHAIN_LENGTH = 8;
/** Hard cap on any encoded record (entry, grant, revocation) read from the network or disk. */
export const MAX_RECORD_BYTES = MAX_VALUE_BYTES + 4096;
/** Hard cap on a bundle of records (one push or one transfer frame). */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
/** Hard cap on one reconciliation message. */
export const MAX_RECONCILE_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Default maximum clock drift accepted for timestamps received from peers (ms). */
export const DEFAULT_MAX_DRIFT_MS = 60_000;
/** Bits of the logical counter inside a packed HLC timestamp. */
export const HLC_LOGICAL_BITS = 10;
export const HLC_LOGICAL_MAX = (1 << HLC_LOGICAL_BITS) - 1;

/** Domain separation tags of every signed or hashed structure. */
export const DOMAIN_ENTRY = 'murmur/tree/entry/v1';
export const DOMAIN_GRANT = 'murmur/tree/grant/v1';
export const DOMAIN_REVOCATION = 'murmur/tree/revocation/v1';
export const DOMAIN_VALUE = 'murmur/tree/value/v1';
export const DOMAIN_ROOT = 'murmur/tree/root/v1';

/** Reconciliation: fingerprint bytes per range, id-prefix bytes in id lists. */
export const RECONCILE_FP_BYTES = 8;
export const RECONCILE_PREFIX_BYTES = 8;
export const RECONCILE_SALT_BYTES = 8;
/** A side with at most this many ids in a differing range sends them instead of splitting. */
export const RECONCILE_IDLIST_THRESHOLD = 64;
/** Target ids per child when splitting a range. */
export const RECONCILE_SPLIT_TARGET = 24;
/** Maximum bits a range is split by at once (2^6 = 64 children). */
export const RECONCILE_MAX_SPLIT_BITS = 6;
/** Ranges are id prefixes of at most this many bits; deeper ranges are sent as id lists. */
export const RECONCILE_MAX_DEPTH_BITS = 48;
/** Maximum messages of one session (a session needs at most ~10). */
export const RECONCILE_MAX_ROUNDS = 64;

/** Default delay before an unsubscribed key's interest is dropped (ms). */
export const DEFAULT_CULL_DELAY_MS = 2_000;

/** Ids per block of the incremental reconciliation id set (IdSet). */
export const IDSET_BLOCK = 128;
/** Decoded entries kept by a TreeStore's read cache (the index holds no values). */
export const RECORD_CACHE_ENTRIES = 4096;

/**
 * Pending pool (grants and revocations that verify but have no authority yet, e.g. a child grant
 * that arrived before its parent): shared by every tree of a store, in memory only, oldest evicted.
 */
export const PENDING_MAX_RECORDS = 10_000;
export const PENDING_MAX_BYTES = 8 * 1024 * 1024;
/** Pending records one signing key may hold (its oldest is evicted beyond). */
export const PENDING_MAX_PER_SIGNER = 256;
/** Pending records one peer may fill; beyond, its oldest is evicted and the peer is struck. */
export const PENDING_MAX_PER_SOURCE = 2_500;
/** Estimated memory of a pending record beyond its encoded bytes (objects, index entries). */
export const PENDING_RECORD_OVERHEAD = 256;
/** Links (past the sub-grant, validity and pattern filters) visited at most by one chain search. */
export const CHAIN_SEARCH_BUDGET = 4096;
