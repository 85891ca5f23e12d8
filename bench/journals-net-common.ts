/**
 * Shared pieces of the `journals-net-*` benchmarks (no `run()`: bench/run.ts skips this file): murmur
 * nodes with the journals service on LevelDB in temporary folders, over TCP loopback (Noise + yamux).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWriter } from '../src/journals/keys.ts';
import { JournalsService, type JournalsServiceOptions } from '../src/journals/service.ts';
import { createNode } from '../src/node/index.ts';
import type { MurmurNode } from '../src/node/types.ts';

export interface JournalBenchNode {
  node: MurmurNode;
  svc: JournalsService;
  dir: string;
}

const FAST_TIMERS = {
  peerBook: { backoffMs: [100, 200, 400, 800], idleMs: 2000, heartbeatCheckMs: 500, pongTimeoutMs: 5000 },
  timers: { dialCheckMs: 200, handshakeTimeoutMs: 5000, dialTimeoutMs: 5000, announceMs: 1000 },
};

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
  await n.node.stop().catch(() => {});
  rmSync(n.dir, { recursive: true, force: true });
}

export function loopbackAddr(node: MurmurNode): string {
  const a = node.status().addresses.find((x) => x.includes('/ip4/127.0.0.1/'));
  if (a === undefined) throw new Error('node has no loopback address');
  return a;
}

export async function waitFor(
  fn: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 2,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
