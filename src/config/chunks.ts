import { MurmurError } from '../errors/index.ts';

/** Chunk store settings of the daemon (see docs/CHUNKS.md "Capacity, eviction, pins and compaction"). */
export interface ChunksConfig {
  /** Bytes of chunk data kept (0 = unlimited); undefined: the store's default (16 GiB). */
  capacityBytes: number | undefined;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/**
 * A size in bytes: a whole number of bytes (`1048576`, `"1048576"`) or a number with a unit, any
 * case: B, KB / MB / GB / TB (powers of 1000), KiB / MiB / GiB / TiB (powers of 1024), K / M / G / T
 * as KB…; decimals allowed with a unit (`1.5GiB`), the result rounded down to whole bytes. Anything
 * else (negative, unknown unit, over 2^53) throws MURMUR_CONFIG_INVALID naming `what`.
 */
export function parseSizeSetting(value: string | number, what: string): number {
  const bad = (): MurmurError =>
    new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `${what}: bad size ${JSON.stringify(value)} (bytes, or a number with KB, MB, GB, KiB, MiB, GiB…: 512MiB, 16GiB; 0 = unlimited)`,
    );
  let bytes: number;
  if (typeof value === 'number') bytes = value;
  else {
    const m = /^\s*(\d{1,16}(?:\.\d{1,9})?)\s*([a-zA-Z]{0,3})\s*$/.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined || (m[1]!.includes('.') && m[2] === '')) throw bad();
    bytes = Math.floor(Number(m[1]) * unit);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw bad();
  return bytes;
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
