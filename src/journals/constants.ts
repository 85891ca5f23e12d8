/** Name of the streamer stream carrying one journal (stream key = journal id). */
export const STREAM_NAME = 'journal';
/** Protocol id of the streamer sessions carrying journals between two nodes. */
export const JOURNALS_PROTOCOL = '/murmur/journals/sync/1.0.0';
/** The sessions' former id (before the kind/name scheme): served and offered second until the next minor version. */
export const JOURNALS_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/journals/1.0.0'];
/** Every id of the sessions, current first: what the service serves and dials. */
export const JOURNALS_PROTOCOLS: readonly string[] = [JOURNALS_PROTOCOL, ...JOURNALS_LEGACY_PROTOCOLS];
/** File of the node's journal writer key in the data folder (64 hex digits of an Ed25519 seed, 0600). */
export const KEY_FILE_NAME = 'journal-key';
/** Idle time allowed on a journals session stream before it is closed (it is then re-opened). */
export const SESSION_IDLE_MS = 10 * 60_000;
/** Delay before re-opening a session to a peer that is still active after its session closed. */
export const SESSION_REOPEN_MS = 1_000;
/** Largest JSON body of an append request (a batch) on the local API. */
export const MAX_API_APPEND_BYTES = 32 * 1024 * 1024;
/** Largest JSON body of a snapshot request on the local API. */
export const MAX_API_SNAPSHOT_BYTES = 512 * 1024;
/** Protocol id of the catalogue exchange (one request, one answer per channel). */
export const CATALOGUE_PROTOCOL = '/murmur/journals/catalogue/1.0.0';
/** The catalogue's former id (before the kind/name scheme): served and offered second until the next minor version. */
export const CATALOGUE_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/journal-catalogue/1.0.0'];
/** Every id of the catalogue, current first: what the service serves and dials. */
export const CATALOGUE_PROTOCOLS: readonly string[] = [CATALOGUE_PROTOCOL, ...CATALOGUE_LEGACY_PROTOCOLS];

/** Longest journal name; names match NAME_PATTERN. */
export const MAX_NAME_LENGTH = 64;
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Largest event payload (bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Largest encoded segment (a run of events under one signature): fits one streamer frame (128 KiB). */
export const MAX_SEGMENT_BYTES = 100 * 1024;
/** Most events under one batch signature (one Ed25519 signature per this many events at most). */
export const MAX_SIGNED_EVENTS = 1024;
/** Most events one appendBatch call takes. */
export const MAX_APPEND_BATCH = 100_000;
/** Largest snapshot state (bytes); a snapshot is one streamer delivery. */
export const MAX_SNAPSHOT_STATE_BYTES = 100 * 1024;
/** Largest catalogue answer / request (bytes), checked before decoding. */
export const MAX_CATALOGUE_BYTES = 1024 * 1024;
/** Most entries in one catalogue. */
export const MAX_CATALOGUE_ENTRIES = 5_000;
/** Largest stored event record accepted from disk or a segment. */
export const MAX_EVENT_RECORD_BYTES = MAX_PAYLOAD_BYTES + 256;

/** History is read from the store in pages of this many events (the original used ~1000). */
export const READ_PAGE = 1000;
/** Events a live reader may lag behind (not enforced yet: no live reader is cut off). */
export const LIVE_BUFFER = 10_000;

/** How often the sync manager re-reads peers' catalogues (the original: every 10 s). */
export const CATALOGUE_INTERVAL_MS = 10_000;
/** A subscription that makes no progress for this long while a peer advertises more is moved. */
export const STALL_TIMEOUT_MS = 5_000;
/** A peer that stalled or misbehaved is not chosen again for this long. */
export const PEER_BACKOFF_MS = 30_000;
/** Time limit of one catalogue request. */
export const CATALOGUE_TIMEOUT_MS = 5_000;

/** Domain-separation prefixes of hashed and signed bytes. */
export const DOMAIN = {
  genesis: 'murmur/journal/genesis/v1',
  event: 'murmur/journal/event/v1',
  batch: 'murmur/journal/batch/v1',
  snapshot: 'murmur/journal/snapshot/v1',
} as const;
