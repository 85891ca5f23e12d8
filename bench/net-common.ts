/**
 * Shared pieces of the benchmarks that run murmur nodes over TCP loopback (no `run()`: bench/run.ts
 * skips this file): fast peer-book timers, node teardown, addresses, waiting, timing, the Hypercore
 * anchor, a peak-RSS sampler and a table printer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MurmurNode } from '../src/node/types.ts';

/** Peer book / overlay timers short enough that two loopback nodes pair up in well under a second. */
export const FAST_TIMERS = {
  peerBook: { backoffMs: [100, 200, 400, 800], idleMs: 2000, heartbeatCheckMs: 500, pongTimeoutMs: 5000 },
  timers: { dialCheckMs: 200, handshakeTimeoutMs: 5000, dialTimeoutMs: 5000, announceMs: 1000 },
};

/** Stops a bench node and removes its data folder. */
export async function stopAndRemove(node: MurmurNode, dir: string): Promise<void> {
  await node.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
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
  everyMs = 5,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Wall and CPU milliseconds (user + system, this process: both ends) of one measured run. */
export interface Timing {
  ms: number;
  cpuMs: number;
}

/** Starts a measurement; the returned function ends it. */
export function startTiming(): () => Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
}

/** The part of Hypercore 11's API the anchors use. */
export interface HypercoreLike {
  ready(): Promise<void>;
  append(blocks: Uint8Array[]): Promise<unknown>;
  replicate(isInitiator: boolean): NodeJS.ReadWriteStream;
  download(range: { start: number; end: number }): { done(): Promise<void> };
  close(): Promise<void>;
  key: Uint8Array;
}
export type HypercoreCtor = new (dir: string, key?: Uint8Array) => HypercoreLike;

/**
 * The Hypercore anchor: a writer core appends the blocks (untimed), a reader core with its key
 * downloads all of them over a TCP socket on loopback (timed).
 */
export async function hypercoreReplication(blocks: Uint8Array[]): Promise<Timing> {
  const Hypercore = ((await import('hypercore' as string)) as { default: HypercoreCtor }).default;
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-hc-'));
  const writer = new Hypercore(join(dir, 'w'));
  await writer.ready();
  for (let i = 0; i < blocks.length; i += 1000) await writer.append(blocks.slice(i, i + 1000));
  const reader = new Hypercore(join(dir, 'r'), writer.key);
  await reader.ready();
  const server = createServer((socket) => {
    socket.pipe(writer.replicate(false)).pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const end = startTiming();
    const socket = tcpConnect(port, '127.0.0.1');
    socket.pipe(reader.replicate(true)).pipe(socket);
    await reader.download({ start: 0, end: blocks.length }).done();
    const t = end();
    socket.destroy();
    return t;
  } finally {
    server.close();
    await reader.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
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

/** MB (10^6 bytes) per second. */
export const mbps = (bytes: number, ms: number): number => +(bytes / 1e6 / (ms / 1000)).toFixed(1);
