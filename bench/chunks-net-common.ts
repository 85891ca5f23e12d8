/**
 * Shared pieces of the `chunks-net-*` benchmarks (no `run()`: bench/run.ts skips this file): two
 * murmur nodes with the chunks service in temporary folders, a peak-RSS sampler, a table printer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunksService, type ChunksServiceOptions } from '../src/chunks/service.ts';
import { createNode } from '../src/node/index.ts';
import type { MurmurNode } from '../src/node/types.ts';

export interface BenchNode {
  node: MurmurNode;
  chunks: ChunksService;
  dir: string;
}

/** Peer book / overlay timers short enough that two loopback nodes pair up in well under a second. */
const FAST_TIMERS = {
  peerBook: { backoffMs: [100, 200, 400, 800], idleMs: 2000, heartbeatCheckMs: 500, pongTimeoutMs: 5000 },
  timers: { dialCheckMs: 200, handshakeTimeoutMs: 5000, dialTimeoutMs: 5000, announceMs: 1000 },
};

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
  await n.node.stop().catch(() => {});
  rmSync(n.dir, { recursive: true, force: true });
}

export function loopbackAddr(node: MurmurNode): string {
  const a = node.status().addresses.find((x) => x.includes('/ip4/127.0.0.1/'));
  if (a === undefined) throw new Error('node has no loopback address');
  return a;
}

/** Chunks stored = sum of the bin cursors (bin IDs are dense from 1). */
export function storedCount(chunks: ChunksService): number {
  let n = 0;
  for (const c of chunks.store.cursors()) n += Number(c);
  return n;
}

export async function waitFor(
  fn: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 5,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Samples this process's RSS every 10 ms; stop() returns the peak in MiB. */
export function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    stop: () => {
      clearInterval(t);
      return Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20);
    },
  };
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (v === undefined ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

export const mbps = (bytes: number, ms: number): number => +(bytes / 1e6 / (ms / 1000)).toFixed(1);
