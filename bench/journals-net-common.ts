/**
 * Shared pieces of the `journals-net-*` benchmarks (no `run()`: bench/run.ts skips this file): murmur
 * nodes with the journals service on LevelDB in temporary folders, over TCP loopback (Noise + yamux).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWriter } from '../src/journals/keys.ts';
import { JournalsService, type JournalsServiceOptions } from '../src/journals/service.ts';
import { createNode } from '../src/node/index.ts';
import type { MurmurNode } from '../src/node/types.ts';
import { FAST_TIMERS, waitFor as pollUntil, stopAndRemove } from './net-common.ts';

export { loopbackAddr } from './net-common.ts';

export interface JournalBenchNode {
  node: MurmurNode;
  svc: JournalsService;
  dir: string;
}

export async function startJournalNode(
  tag: string,
  options: JournalsServiceOptions = {},
): Promise<JournalBenchNode> {
  const dir = mkdtempSync(join(tmpdir(), `murmur-bench-${tag}-`));
  const svc = new JournalsService({
    writer: generateWriter(),
    dataDir: dir,
    stallTimeoutMs: 60_000,
    ...options,
  });
  const node = await createNode({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    services: [svc],
    ...FAST_TIMERS,
  });
  await node.start();
  return { node, svc, dir };
}

export async function stopJournalNode(n: JournalBenchNode): Promise<void> {
  await stopAndRemove(n.node, n.dir);
}

/** net-common's waitFor, polling every 2 ms by default (the latency benchmark's pace). */
export function waitFor(fn: () => boolean, timeoutMs: number, what: string, everyMs = 2): Promise<void> {
  return pollUntil(fn, timeoutMs, what, everyMs);
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
