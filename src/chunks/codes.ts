/** Stable error codes raised by src/chunks (aggregated in src/errors/codes.ts). Append-only. */
export const CHUNKS_CODES = {
  MURMUR_CHUNKS_BAD_CHUNK: 'Chunk data is malformed (size out of range) or does not hash to its address.',
  MURMUR_CHUNKS_STORAGE: 'The chunk store failed to read or write (retryable).',
  MURMUR_CHUNKS_NOT_FOUND: 'No chunk with this address is stored or could be fetched.',
  MURMUR_CHUNKS_BAD_MESSAGE: 'A pull-sync message from a peer is malformed or out of protocol order.',
  MURMUR_CHUNKS_MESSAGE_TOO_LARGE: 'A pull-sync message exceeds its hard size cap; it was not decoded.',
  MURMUR_CHUNKS_INVALID_OFFER:
    'An offer is malformed: hashes not a multiple of 32 bytes, a zero address or too many.',
  MURMUR_CHUNKS_UNSOLICITED: 'A peer delivered a chunk that was not wanted (ErrUnsolicitedChunk).',
  MURMUR_CHUNKS_IN_FLIGHT_FAILED: 'A chunk another peer was fetching failed to arrive; the range is retried.',
  MURMUR_CHUNKS_BAD_FILE: 'A file tree is inconsistent (spans or child counts do not add up).',
  MURMUR_CHUNKS_PIN_MISSING:
    'Pinning failed: some chunks of the file are neither stored nor retrievable (details name them).',
  MURMUR_CHUNKS_NOT_PINNED: 'The root address given to unpin is not pinned.',
} as const satisfies Record<`MURMUR_${string}`, string>;
