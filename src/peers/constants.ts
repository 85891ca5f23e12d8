/** Defaults of the peer book; every one can be overridden through `PeerBookConfig`. */

/** Reconnect backoff after a peer fails: 5 s, 10 s, 30 s, 1 min, 10 min, 1 h, then it is forgotten. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [5_000, 10_000, 30_000, 60_000, 600_000, 3_600_000];
/** A peer silent for this long is due for a ping. */
export const DEFAULT_IDLE_MS = 30_000;
/** How often the heartbeat looks for idle peers. */
export const DEFAULT_HEARTBEAT_CHECK_MS = 5_000;
/** A ping not answered within this time is a missed pong. */
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** A dial (connect + handshake) not finished within this time counts as failed. */
export const DEFAULT_DIAL_TIMEOUT_MS = 30_000;
/** How long a peer stays in purgatory (refused) before it is forgotten. */
export const DEFAULT_PURGATORY_MS = 30 * 60_000;
/** One strike is forgiven per this much time (the first one this long after the strike). */
export const DEFAULT_STRIKE_DECAY_MS = 10 * 60_000;
/** Misbehaviour strikes that send a peer to purgatory. */
export const DEFAULT_STRIKE_THRESHOLD = 5;
/** Known peers kept at most; the least recently seen candidates are dropped beyond it. */
export const DEFAULT_MAX_KNOWN = 10_000;
/** Addresses kept per peer at most. */
export const MAX_ADDRESSES = 16;
/** Longest address string accepted. */
export const MAX_ADDRESS_LENGTH = 512;
/** Longest peer id string accepted. */
export const MAX_PEER_ID_LENGTH = 128;
/** Persisted state changes are written at most this often (and on stop). */
export const DEFAULT_FLUSH_MS = 1_000;
/** Hard cap on one persisted peer record, checked before decoding. */
export const MAX_RECORD_BYTES = 16 * 1024;
/** Format version of persisted peer records. */
export const RECORD_VERSION = 1;
