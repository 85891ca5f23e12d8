/**
 * Chunk store upkeep: a store with capacity C (segment files, LevelDB index) takes 2 C of 4 KiB
 * chunks; eviction keeps it at ≤ C and compaction gives the disk back. Measured:
 *   - put MB/s with eviction running against the same puts into an unlimited store (the cost of
 *     keeping the counters and evicting in the background),
 *   - eviction: chunks evicted per second (time from the last put until no eviction or compaction
 *     runs, all of it spent evicting and compacting), against raw LevelDB batch-deleting the same
 *     number of keys (the anchor),
 *   - compaction: bytes moved per second against reading the same bytes and writing them with O_DSYNC
 *     (the least compaction has to do: the anchor),
 *   - disk used by the segment files at the end against the capacity.
 * `GC_MB=n` sets C in MiB (default 64; 2 C is written).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { ChunkStore } from '../src/chunks/store.ts';
import { makeBenchChunks } from './chunks-data.ts';
import { mbps, printTable } from './net-common.ts';

const BLOCK = 4096;

function segmentBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) if (f.endsWith('.seg')) n += statSync(join(dir, f)).size;
  return n;
}

/** Puts `chunks` in groups of 256 into a fresh store; returns put ms and the store (still open). */
async function fill(
  root: string,
  capacityBytes: number,
  chunks: ReturnType<typeof makeBenchChunks>,
): Promise<{ store: ChunkStore; db: ClassicLevel; putMs: number; dir: string }> {
  const dir = join(root, `segs-${capacityBytes}`);
  const db = new ClassicLevel(join(root, `db-${capacityBytes}`));
  // 16 MiB segments: compaction has sealed segments to work on at this size
  const store = new ChunkStore(db, {
    overlay: new Uint8Array(32),
    dir,
    capacityBytes,
    segmentBytes: 16 * 2 ** 20,
  });
  await store.open();
  const t0 = performance.now();
  for (let i = 0; i < chunks.length; i += 256)
    await store.putMany(chunks.slice(i, i + 256), { verify: false });
  return { store, db, putMs: performance.now() - t0, dir };
}

export async function run(): Promise<Record<string, unknown>> {
  const capMiB = Number(process.env.GC_MB ?? 64);
  const capacity = capMiB * 2 ** 20;
  const n = Math.round((2 * capacity) / (BLOCK + 8));
  const chunks = makeBenchChunks(n);
  const bytes = n * (BLOCK + 8);
  const root = mkdtempSync(join(tmpdir(), 'murmur-bench-gc-'));
  try {
    // baseline: the same puts, no capacity
    const free = await fill(root, 0, chunks);
    await free.store.close();

    const bounded = await fill(root, capacity, chunks);
    const t1 = performance.now();
    await bounded.store.idle({ kick: true });
    const upkeepMs = performance.now() - t1;
    const u = bounded.store.usage();
    const g = bounded.store.gcStats();
    const disk = segmentBytes(bounded.dir);
    await bounded.store.close();

    // anchor 1: raw LevelDB deleting as many 64-byte keys in batches of 256 (after putting them)
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(join(root, 'raw'), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    await raw.open();
    const keys = chunks.slice(0, g.evictedChunks).map((c) => c.address);
    for (let i = 0; i < keys.length; i += 256) {
      await raw.batch(keys.slice(i, i + 256).map((k) => ({ type: 'put' as const, key: k, value: k })));
    }
    const t2 = performance.now();
    for (let i = 0; i < keys.length; i += 256) {
      await raw.batch(keys.slice(i, i + 256).map((k) => ({ type: 'del' as const, key: k })));
    }
    const rawDelMs = performance.now() - t2;
    await raw.close();

    // anchor 2: what compaction must do at least for the bytes it moved (or 16 MiB): read them
    // from one file and write them synced (O_DSYNC) to another, in 1 MiB writes
    const copyBytes = g.movedBytes > 0 ? g.movedBytes : 16 * 2 ** 20;
    const src = join(root, 'copy-src');
    writeFileSync(src, randomBytes(copyBytes));
    const t3 = performance.now();
    const data = readFileSync(src);
    const fd = openSync(join(root, 'copy-dst'), constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC);
    for (let at = 0; at < data.length; at += 2 ** 20)
      writeSync(fd, data, at, Math.min(2 ** 20, data.length - at));
    closeSync(fd);
    const copyMs = performance.now() - t3;

    const evictRate = Math.round(g.evictedChunks / (g.evictMs / 1000));
    const rawDelRate = Math.round(keys.length / (rawDelMs / 1000));
    const rows = [
      { what: 'put, unlimited store', per_s: `${mbps(bytes, free.putMs)} MB/s`, anchor: '' },
      {
        what: `put, capacity ${capMiB} MiB (evicting meanwhile)`,
        per_s: `${mbps(bytes, bounded.putMs)} MB/s`,
        anchor: `${(free.putMs / bounded.putMs).toFixed(2)}× unlimited`,
      },
      {
        what: `eviction (${g.evictedChunks} chunks in ${Math.round(g.evictMs)} ms)`,
        per_s: `${evictRate} chunks/s`,
        anchor: `raw LevelDB deletes ${rawDelRate} keys/s (${(evictRate / rawDelRate).toFixed(2)}×)`,
      },
      {
        what: `compaction (${g.segmentsCompacted} segments, ${(g.movedBytes / 2 ** 20).toFixed(1)} MiB moved, ${Math.round(g.compactMs)} ms)`,
        per_s: `${mbps(g.movedBytes, g.compactMs)} MB/s moved`,
        anchor: `read + O_DSYNC write ${mbps(copyBytes, copyMs)} MB/s (${(mbps(g.movedBytes, g.compactMs) / mbps(copyBytes, copyMs)).toFixed(2)}×)`,
      },
    ];
    return {
      capacity_mib: capMiB,
      written_mib: +(bytes / 2 ** 20).toFixed(1),
      rows,
      put_unlimited_mb_per_s: mbps(bytes, free.putMs),
      put_bounded_mb_per_s: mbps(bytes, bounded.putMs),
      put_bounded_vs_unlimited: +(free.putMs / bounded.putMs).toFixed(2),
      upkeep_after_last_put_ms: Math.round(upkeepMs),
      evicted_chunks: g.evictedChunks,
      evict_chunks_per_s: evictRate,
      raw_leveldb_delete_keys_per_s: rawDelRate,
      evict_vs_raw_delete: +(evictRate / rawDelRate).toFixed(2),
      segments_compacted: g.segmentsCompacted,
      compaction_moved_mib: +(g.movedBytes / 2 ** 20).toFixed(1),
      compaction_mb_per_s: mbps(g.movedBytes, g.compactMs),
      read_dsync_write_mb_per_s: mbps(copyBytes, copyMs),
      reclaimed_mib: +(g.reclaimedBytes / 2 ** 20).toFixed(1),
      stored_mib: +(u.bytes / 2 ** 20).toFixed(1),
      segment_files_mib: +(disk / 2 ** 20).toFixed(1),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  printTable(r.rows as Record<string, unknown>[]);
  console.log(JSON.stringify({ ...r, rows: undefined }, null, 2));
}
