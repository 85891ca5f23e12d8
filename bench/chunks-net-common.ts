/**
 * Shared pieces of the `chunks-net-*` benchmarks (no `run()`: bench/run.ts skips this file): two
 * murmur nodes with the chunks service in temporary folders (the rest comes from net-common.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunksService, type ChunksServiceOptions } from '../src/chunks/service.ts';
import { createNode } from '../src/node/index.ts';
import type { MurmurNode } from '../src/node/types.ts';
import type { NodeService } from '../src/service/context.ts';
import { FAST_TIMERS, mbps, stopAndRemove, type Timing } from './net-common.ts';

export { loopbackAddr, mbps, peakRss, printTable, waitFor } from './net-common.ts';

export interface BenchNode {
  node: MurmurNode;
  chunks: ChunksService;
  dir: string;
}

/**
 * A started node on 127.0.0.1 with LevelDB in a fresh temporary folder and the chunks service (and
 * the `extra` services).
 */
export async function startBenchNode(
  tag: string,
  options: ChunksServiceOptions = {},
  encryption: 'noise' | 'tls' = 'noise',
  extra: NodeService[] = [],
): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), `murmur-bench-${tag}-`));
  // chunk data in segment files under the node's data folder (CHUNKS_SEGMENTS=0: LevelDB values)
  const segments = process.env.CHUNKS_SEGMENTS !== '0';
  const chunks = new ChunksService(segments ? { dataDir: dir, ...options } : options);
  const node = await createNode({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    encryption,
    services: [chunks, ...extra],
    ...FAST_TIMERS,
  });
  await node.start();
  return { node, chunks, dir };
}

export async function stopBenchNode(n: BenchNode): Promise<void> {
  await stopAndRemove(n.node, n.dir);
}

/** Chunks stored = sum of the bin cursors (bin IDs are dense from 1). */
export function storedCount(chunks: ChunksService): number {
  let n = 0;
  for (const c of chunks.store.cursors()) n += Number(c);
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Median wall and CPU time of repeated runs (each median taken on its own). */
export function medianTiming(ts: Timing[]): Timing {
  return { ms: median(ts.map((t) => t.ms)), cpuMs: median(ts.map((t) => t.cpuMs)) };
}

/**
 * The pull-sync benchmarks' result: a row per contender (MB/s, chunks/s, CPU) and the ratios the issue
 * asks about (pull-sync against Hypercore and against the raw stream, by wall and by CPU time).
 */
export function pullSyncReport(
  n: number,
  runs: number,
  t: { murmur: Timing; hypercore: Timing; raw: Timing },
  labels: { murmur: string; hypercore: string; raw: string },
): Record<string, unknown> {
  const bytes = n * 4096;
  const row = (what: string, x: Timing): Record<string, unknown> => ({
    what,
    seconds: +(x.ms / 1000).toFixed(2),
    mb_per_s: mbps(bytes, x.ms),
    chunks_per_s: Math.round(n / (x.ms / 1000)),
    cpu_s: +(x.cpuMs / 1000).toFixed(2),
    mb_per_cpu_s: mbps(bytes, x.cpuMs),
  });
  const { murmur: m, hypercore: h, raw: w } = t;
  return {
    chunks: n,
    mib: bytes / 2 ** 20,
    runs,
    rows: [row(labels.murmur, m), row(labels.hypercore, h), row(labels.raw, w)],
    pullsync_mb_per_s: mbps(bytes, m.ms),
    pullsync_chunks_per_s: Math.round(n / (m.ms / 1000)),
    hypercore_mb_per_s: mbps(bytes, h.ms),
    raw_libp2p_mb_per_s: mbps(bytes, w.ms),
    pullsync_vs_hypercore: +(h.ms / m.ms).toFixed(2),
    pullsync_vs_raw: +(w.ms / m.ms).toFixed(2),
    cpu_pullsync_vs_hypercore: +(h.cpuMs / m.cpuMs).toFixed(2),
    cpu_pullsync_vs_raw: +(w.cpuMs / m.cpuMs).toFixed(2),
  };
}
