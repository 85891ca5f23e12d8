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
