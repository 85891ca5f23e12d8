import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/chunks: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const CHUNKS_CODES = defineCodes({
  MURMUR_CHUNKS_BAD_CHUNK: {
    message: 'Chunk data is malformed (size out of range) or does not hash to its address.',
    http: 400,
    strike: 'forged',
  },
  MURMUR_CHUNKS_STORAGE: { message: 'The chunk store failed to read or write (retryable).', http: 400 },
  MURMUR_CHUNKS_NOT_FOUND: {
    message: 'No chunk with this address is stored or could be fetched.',
    http: 404,
  },
  MURMUR_CHUNKS_BAD_MESSAGE: {
    message: 'A pull-sync message from a peer is malformed or out of protocol order.',
    http: 400,
    strike: 'protocol',
  },
  MURMUR_CHUNKS_MESSAGE_TOO_LARGE: {
    message: 'A pull-sync message exceeds its hard size cap; it was not decoded.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_CHUNKS_INVALID_OFFER: {
    message: 'An offer is malformed: hashes not a multiple of 32 bytes, a zero address or too many.',
    http: 400,
    strike: 'protocol',
  },
  MURMUR_CHUNKS_UNSOLICITED: {
    message: 'A peer delivered a chunk that was not wanted (ErrUnsolicitedChunk).',
    http: 400,
    strike: 'unsolicited',
  },
  MURMUR_CHUNKS_IN_FLIGHT_FAILED: {
    message: 'A chunk another peer was fetching failed to arrive; the range is retried.',
    http: 400,
  },
  MURMUR_CHUNKS_BAD_FILE: {
    message: 'A file tree is inconsistent (spans or child counts do not add up).',
    http: 502,
  },
  MURMUR_CHUNKS_PIN_MISSING: {
    message:
      'Pinning failed: some chunks of the file are neither stored nor retrievable (details name them).',
    http: 404,
  },
  MURMUR_CHUNKS_NOT_PINNED: { message: 'The root address given to unpin is not pinned.', http: 404 },
});

type ChunksCodes = typeof CHUNKS_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends ChunksCodes {}
}
