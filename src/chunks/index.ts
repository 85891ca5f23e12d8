/**
 * Chunks: content-addressed blobs and files, stored, pinned, pull-synced and retrieved.
 * @module murmur/chunks
 */
export {
  ChunksApi,
  type ChunksCallOptions,
  type ChunksGetOptions,
  type ChunksPutOptions,
  type FileSource,
  type StoredFile,
} from './api.ts';
export { type Chunk, chunkAddress, isValidChunk, makeChunk, payloadOf, spanOf } from './chunk.ts';
export { CHUNK_SIZE } from './constants.ts';
export { type ChunkGetter, type JoinOptions, join, joinToBytes } from './file/joiner.ts';
export { type ChunkSink, type SplitResult, split, storeSink } from './file/splitter.ts';
export { ChunksService, type ChunksServiceOptions } from './service.ts';
export { ChunkStore, type ChunkStoreOptions, type GcStats, type PinInfo, type PutResult } from './store.ts';
