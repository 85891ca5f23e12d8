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
import { FAST_TIMERS, stopAndRemove } from './net-common.ts';

export { loopbackAddr, mbps, peakRss, printTable, waitFor } from './net-common.ts';

export interface BenchNode {
  node: MurmurNode;
  chunks: ChunksService;
  dir: string;
}

/** A started node on 127.0.0.1 with LevelDB in a fresh temporary folder and the chunks service. */
export async function startBenchNode(
  tag: string,
  options: ChunksServiceOptions = {},
  encryption: 'noise' | 'tls' = 'noise',
): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), `murmur-bench-${tag}-`));
  // chunk data in segment files under the node's data folder (CHUNKS_SEGMENTS=0: LevelDB values)
  const segments = process.env.CHUNKS_SEGMENTS !== '0';
  const chunks = new ChunksService(segments ? { dataDir: dir, ...options } : options);
  const node = await createNode({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    encryption,
    services: [chunks],
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
