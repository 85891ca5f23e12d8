/** HBBP constants: port, group, limits and defaults (see docs/HBBP.md). */

/** UDP port of HBBP, as the original hbbpd/hbbpc. */
export const HBBP_PORT = 4950;
/** Largest datagram on the wire: IPv6 minimum MTU 1280 minus 48 header bytes, so no fragmentation. */
export const HBBP_MAX_DATAGRAM = 1232;
/** All-nodes link-local multicast group. */
export const HBBP_GROUP = 'ff02::1';

/** Handler runner defaults (the original ran one handler at a time). */
export const DEFAULT_QUEUE = 64;
export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;
/** Bytes of a handler's stdout/stderr kept for the log. */
export const HANDLER_OUTPUT_CAP = 4096;
/** After a handler exits, wait at most this long for its output pipes to close (a grandchild may hold them). */
export const HANDLER_EXIT_GRACE_MS = 200;

/** Per-sender token bucket defaults: datagrams per second and burst. */
export const DEFAULT_RATE_PER_SEC = 20;
export const DEFAULT_RATE_BURST = 40;
/** At most this many sender buckets are tracked; the least recently used is forgotten beyond it. */
export const RATE_MAX_SENDERS = 4096;

/** Encrypted envelope (docs/HBBP.md, "Encrypted datagram"). */
export const SEAL_MAGIC = 0xb5;
export const SEAL_VERSION = 1;
export const SEAL_KEY_ID_LEN = 8;
export const SEAL_TS_LEN = 8;
export const SEAL_NONCE_LEN = 24;
export const SEAL_TAG_LEN = 16;
export const SEAL_HEADER_LEN = 2 + SEAL_KEY_ID_LEN + SEAL_TS_LEN + SEAL_NONCE_LEN;
/** Bytes the envelope adds to the payload (header + tag). */
export const SEAL_OVERHEAD = SEAL_HEADER_LEN + SEAL_TAG_LEN;
/** Default replay window: timestamps further than this from the receiver's clock are rejected. */
export const DEFAULT_REPLAY_WINDOW_MS = 60_000;
/** At most this many nonces are remembered; beyond it the oldest are evicted and the floor raised. */
export const REPLAY_MAX_NONCES = 65_536;

/** Key file names inside a key folder (as the original's layout). */
export const KEYFILE_SEND_PRIV = 'send.priv';
export const KEYFILE_SEND_PUB = 'send.pub';
export const KEYFILE_RECV_PRIV = 'recv.priv';
export const KEYFILE_RECV_PUB = 'recv.pub';
/** The fallback key folder. */
export const KEYDIR_DEFAULT = 'default';
/** Deepest key folder nesting read from a key directory. */
export const KEYDIR_MAX_DEPTH = 8;
