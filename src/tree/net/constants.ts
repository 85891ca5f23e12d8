/** Protocols, caps and timers of the tree's network layer (src/tree/net). */

export const ANNOUNCE_PROTOCOL = '/murmur/tree/announce/1.0.0';
export const SYNC_PROTOCOL = '/murmur/tree/sync/1.0.0';
export const PUSH_PROTOCOL = '/murmur/tree/push/1.0.0';

/** HBBP key prefix of LAN root-hash announcements (`tree/<root hex>`). */
export const LAN_KEY_PREFIX = 'tree/';

/** Cap on one announce frame (a RootAnnounce is ~60 bytes). */
export const MAX_ANNOUNCE_BYTES = 256;
/** Maximum trees announced on one announce stream. */
export const MAX_ANNOUNCES_PER_STREAM = 4096;
/** Target bytes of one bundle frame we send (the cap we accept is MAX_BUNDLE_BYTES). */
export const BUNDLE_TARGET_BYTES = 512 * 1024;

/** Defaults of TreeServiceOptions. */
export const DEFAULT_ANNOUNCE_DEBOUNCE_MS = 250;
export const DEFAULT_ANTI_ENTROPY_MS = 30_000;
export const DEFAULT_PUSH_BATCH_MS = 5;
/** Peers a batch of new records is pushed to (half the closest by proximity, half at random). */
export const DEFAULT_PUSH_FANOUT = 8;
export const DEFAULT_SYNC_TIMEOUT_MS = 60_000;
/** Idle time allowed on a push stream (kept open between writes). */
export const PUSH_IDLE_MS = 10 * 60_000;
/** Idle time allowed on a sync or announce stream. */
export const SYNC_IDLE_MS = 30_000;
