import { defineKind } from '../service/kind.ts';
import { registerFiles } from './cli.ts';
import type { ChunksService } from './service.ts';
import { type ChunksConfig, chunksConfig } from './settings.ts';

/** Chunks as a data kind: content-addressed blobs and files, pull-synced per proximity bin. */
export const chunksKind = defineKind<ChunksService, ChunksConfig>({
  name: 'chunks',
  title: 'Chunks',
  summary: 'content-addressed 4 KiB chunks and files built from them, pull-synced per Kademlia bin',
  settings: [
    {
      key: 'chunksCapacity',
      flag: '--chunks-capacity <size>',
      env: 'MURMUR_CHUNKS_CAPACITY',
      help: 'bytes of chunk data kept, the rest evicted (pins excepted): 512MiB, 16GiB, plain bytes; 0 = unlimited (default 16GiB; env MURMUR_CHUNKS_CAPACITY)',
      accepts: ['string', 'number'],
    },
  ],
  configure: (raw) => chunksConfig({ capacity: raw.chunksCapacity as string | number | undefined }),
  // the service (LevelDB, pull-sync) loads only when a node starts, not for every CLI command
  create: async ({ dataDir, config }) =>
    new (await import('./service.ts')).ChunksService({
      dataDir,
      ...(config.capacityBytes === undefined ? {} : { capacityBytes: config.capacityBytes }),
    }),
  commands: registerFiles,
  hints: [
    { command: 'put <file>', what: 'store a file as chunks, prints its address (get <addr> -o <file>)' },
  ],
});
