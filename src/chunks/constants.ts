/** Largest payload of one chunk (bytes). */
export const CHUNK_SIZE = 4096;
/** Every chunk's data starts with its span: the byte length it covers, 8 bytes little-endian. */
export const SPAN_SIZE = 8;
/** Largest chunk data: span + payload. */
export const MAX_CHUNK_DATA = SPAN_SIZE + CHUNK_SIZE;
/** Chunk addresses are SHA-256 digests. */
export const ADDRESS_SIZE = 32;
/** Child addresses an intermediate chunk holds at most (4096 / 32). */
export const BRANCHES = CHUNK_SIZE / ADDRESS_SIZE;
/** Proximity bins 0..31 (same as the overlay). */
export const BIN_COUNT = 32;
/** Default capacity of the chunk store in bytes of chunk data: bee's reserve, 2^22 chunks of 4 KiB. */
export const DEFAULT_CAPACITY_BYTES = 2 ** 34;
/** Eviction stops once stored bytes are at or under this fraction of the capacity. */
export const LOW_WATER = 0.9;
/** A sealed segment is compacted when its live bytes drop under this fraction of its size. */
export const COMPACT_BELOW = 0.5;
/** Pull index entries examined per eviction step (one batch each). */
export const EVICT_PAGE = 256;
/** Bytes of live chunks appended per synced write when compacting a segment. */
export const COMPACT_SLICE_BYTES = 4 * 1024 * 1024;
