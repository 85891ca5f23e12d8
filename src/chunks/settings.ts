import { parseSizeSetting } from '../service/settings.ts';

/** Chunk store settings of the daemon (see docs/CHUNKS.md "Capacity, eviction, pins and compaction"). */
export interface ChunksConfig {
  /** Bytes of chunk data kept (0 = unlimited); undefined: the store's default (16 GiB). */
  capacityBytes: number | undefined;
}

/** Validates the raw chunk settings picked by loadConfig (flag > env > config.json). */
export function chunksConfig(raw: { capacity: string | number | undefined }): ChunksConfig {
  return {
    capacityBytes:
      raw.capacity === undefined
        ? undefined
        : parseSizeSetting(
            raw.capacity,
            'chunk store capacity (--chunks-capacity, MURMUR_CHUNKS_CAPACITY, "chunksCapacity")',
          ),
  };
}
