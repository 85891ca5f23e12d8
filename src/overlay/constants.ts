/** Overlay (Kademlia) constants; the configurable ones are defaults of `KademliaOptions`. */

/** Overlay addresses are 32 bytes (SHA-256). */
export const ADDRESS_LENGTH = 32;
/** Deepest proximity order: bins are 0..MAX_PO. */
export const MAX_PO = 31;
/** Number of bins. */
export const BIN_COUNT = MAX_PO + 1;
/** Connected peers a bin needs to be saturated (bee: 8). */
export const DEFAULT_SATURATION = 8;
/** The neighbourhood keeps at least this many connected peers (bee's nnLowWatermark). */
export const DEFAULT_LOW_WATERMARK = 2;
/**
 * Known (not necessarily connected) peers kept per bin by default: enough to saturate a bin several
 * times over and to hold a whole neighbourhood, while a node no longer learns nearly every peer of the
 * network (memory O(N) per node → O(log N)). Connected peers are always kept, past the cap.
 */
export const DEFAULT_MAX_KNOWN_PER_BIN = 64;
/** Peers sent in one hive message at most. */
export const DEFAULT_GOSSIP_LIMIT = 64;
/** Peers per target bin offered in one hive message for shallow bins. */
export const DEFAULT_GOSSIP_PER_BIN = 8;
/** Hive protocol id (libp2p, `/murmur/<kind>/<name>/<version>`). */
export const HIVE_PROTOCOL = '/murmur/node/hive/1.0.0';
/** The hive's former id (before the kind/name scheme): served and offered second until the next minor version. */
export const HIVE_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/hive/1.0.0'];
/** Every id of the hive, current first: what a node serves and offers. */
export const HIVE_PROTOCOLS: readonly string[] = [HIVE_PROTOCOL, ...HIVE_LEGACY_PROTOCOLS];
/** Hard cap on one encoded hive message, checked before decoding. */
export const MAX_HIVE_MESSAGE_BYTES = 64 * 1024;
/** Peers in one hive message at most (decoder rejects more). */
export const MAX_HIVE_PEERS = 256;
/** Addresses per peer in a hive message at most. */
export const MAX_HIVE_ADDRESSES = 8;
/** Longest peer id / address string in a hive message. */
export const MAX_HIVE_STRING = 512;
