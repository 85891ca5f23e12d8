/** libp2p protocol id the node registers the pull-sync handler under. */
export const PULLSYNC_PROTOCOL = '/murmur/chunks/pullsync/1.0.0';
/** Pull-sync's former id (before the kind/name scheme): served and offered second until the next minor version. */
export const PULLSYNC_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/pullsync/1.0.0'];
/** Every id of pull-sync, current first: what the service serves and dials. */
export const PULLSYNC_PROTOCOLS: readonly string[] = [PULLSYNC_PROTOCOL, ...PULLSYNC_LEGACY_PROTOCOLS];
/**
 * Hashes offered per page at most (bee: 50, later 250; Swarm's batch: 128). Large pages keep a bulk
 * transfer streaming; the downstream still records progress every RECORD_STEP chunks.
 */
export const PAGE_LIMIT = 1024;
/**
 * Deliveries the downstream stores and records per step while a page streams in (one window of the
 * offer, one Want). At most WINDOWS_AHEAD windows are wanted and not yet recorded, so a kill -9
 * re-transfers at most WINDOWS_AHEAD × RECORD_STEP = 512 chunks per bin, half a page (+ what sat in
 * transport buffers, never stored). 256 (1 MiB of data per group commit and fdatasync) measured
 * 1.2× the throughput of 64.
 */
export const RECORD_STEP = 256;
/** Windows of RECORD_STEP wanted at once (in flight or being stored, not yet recorded). */
export const WINDOWS_AHEAD = 2;
/** Longest time an upstream waits for a started page to fill (ms; bee: 500 ms, later 1 s). */
export const PAGE_WAIT_MS = 200;
/** Hard cap of one encoded pull-sync message (bee: 128 KiB), checked before decoding. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Hashes one offer may carry at most (a larger offer is invalid). */
export const MAX_OFFER_HASHES = 1024;
/** Time a downstream waits for each delivery after sending Want (ms). */
export const DELIVERY_TIMEOUT_MS = 30_000;
/** Time a downstream waits for an Ack (ms). */
export const CURSORS_TIMEOUT_MS = 10_000;
/** Longest time a downstream spends sending a CancelRuid for an interval it abandoned (ms). */
export const CANCEL_TIMEOUT_MS = 5_000;
/** Time the upstream waits for the Want after an offer (ms). */
export const WANT_TIMEOUT_MS = 30_000;
/** Time the upstream waits for the request after the stream opens (ms). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Close() waits this long for running handlers (bee: 10 s). */
export const CLOSE_TIMEOUT_MS = 10_000;
/** Backoff after a failed interval sync before trying the peer again (ms). */
export const RETRY_BACKOFF_MS = [100, 500, 2_000, 5_000, 15_000] as const;
/** Chunks the upstream reads from storage in one call while delivering a page. */
export const DELIVERY_READ_BATCH = 128;
/**
 * Size of each reusable buffer a delivery reads a slice into (DELIVERY_READ_BATCH chunks and the
 * gaps merged reads span); a slice that does not fit gets fresh buffers for the rest.
 */
export const READ_SCRATCH_BYTES = 1024 * 1024;
/** Free read buffers an upstream keeps for its next deliveries. */
export const READ_SCRATCH_KEEP = 8;
