/** Default data folder (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.murmur';
/** Default network id. */
export const DEFAULT_NETWORK_ID = 'murmur';
/** Default TCP port (as kvgossip's sync port). */
export const DEFAULT_PORT = 9021;
/** Default listen addresses; if the port is taken the node falls back to an ephemeral one. */
export const DEFAULT_LISTEN = [`/ip4/0.0.0.0/tcp/${DEFAULT_PORT}`, `/ip6/::/tcp/${DEFAULT_PORT}`];
/** How often the node announces itself over HBBP when an interface is given. */
export const DEFAULT_ANNOUNCE_MS = 10_000;
/** HBBP key prefix of announcements (followed by the network id). */
export const ANNOUNCE_KEY_PREFIX = 'murmur/announce/';
/** How often the node asks the overlay what to dial next. */
export const DEFAULT_DIAL_CHECK_MS = 2_000;
/** Dials in flight at most. */
export const MAX_PENDING_DIALS = 8;
/** libp2p connection cap. */
export const DEFAULT_MAX_CONNECTIONS = 300;
/** Cap on an announcement payload (fits one HBBP datagram). */
export const MAX_ANNOUNCE_BYTES = 1100;
/** Default per-message byte cap of a service protocol (1 MiB plus room for framing and headers). */
export const SERVICE_MAX_MESSAGE_BYTES = 1024 * 1024 + 1024;
/** Default idle time between two messages on a service stream. */
export const SERVICE_IDLE_TIMEOUT_MS = 30_000;
/** Streams of one service protocol allowed per connection and direction. */
export const SERVICE_MAX_STREAMS = 256;
/** How long an inbound service stream waits for its connection's handshake to finish. */
export const SERVICE_ACTIVE_WAIT_MS = 3_000;
/** Protocol id of the goodbye a node sends its active peers when it stops cleanly. */
export const GOODBYE_PROTOCOL = '/murmur/node/goodbye/1.0.0';
/** Cap on the goodbye's one frame (a short UTF-8 reason, e.g. "shutdown"). */
export const GOODBYE_MAX_BYTES = 64;
/** How long a stopping node spends saying goodbye (all peers at once) before it stops anyway. */
export const GOODBYE_TIMEOUT_MS = 1_000;
/**
 * Bytes one peer may hold in unfinished messages across all its service streams: each frame's
 * announced length is reserved when its prefix arrives and released when it completes or its stream
 * ends. Four tree-sync bundles at their 8 MiB cap at once. Over it: MURMUR_FRAME_BUDGET (a strike).
 */
export const FRAME_PEER_BUDGET_BYTES = 32 * 1024 * 1024;
/** Bytes all peers together may hold in unfinished messages; over it: MURMUR_FRAME_NODE_BUSY (no strike). */
export const FRAME_NODE_BUDGET_BYTES = 256 * 1024 * 1024;
/**
 * Longest wait for more bytes of a message already begun (its prefix or part of its body arrived):
 * then the stream is reset with MURMUR_FRAME_STALLED (a strike). Between messages the protocol's
 * idle timeout applies instead.
 */
export const FRAME_STALL_MS = 10_000;
