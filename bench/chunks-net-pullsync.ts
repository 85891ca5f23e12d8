/**
 * Pull-sync throughput of 4 KiB chunks between two murmur nodes over TCP loopback (LevelDB each, the
 * node's libp2p: TCP + Noise + yamux), side by side in one run with
 *   - Hypercore 11 replicating the same bytes as 4 KiB blocks over a TCP socket (the anchor), and
 *   - a raw libp2p stream with the node's config, 64 KiB writes (the ceiling).
 * All three run both ends in this one process (same conditions for each). `CHUNKS=n` sets the chunk
 * count (default 32768 = 128 MiB), `RUNS=r` repeats each and keeps the median (default 1).
 * Reported: MB/s of payload (n × 4096 bytes), chunks/s, and the ratios the issue asks about.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import type { Chunk } from '../src/chunks/chunk.ts';
import { silentLogger } from '../src/log/index.ts';
import { startHost } from '../src/p2p/host.ts';
import { makeBenchChunks } from './chunks-data.ts';
import {
  type BenchNode,
  loopbackAddr,
  medianTiming,
  printTable,
  pullSyncReport,
  startBenchNode,
  stopBenchNode,
  storedCount,
  waitFor,
} from './chunks-net-common.ts';
import { hypercoreReplication, startTiming, type Timing } from './net-common.ts';

const BLOCK = 4096;
const skip: Timing = { ms: Number.NaN, cpuMs: Number.NaN };

/** murmur: chunks stored on A; B connects; time until B holds all of them (puller, every bin). */
async function murmurPullSync(chunks: Chunk[]): Promise<Timing> {
  let a: BenchNode | undefined;
  let b: BenchNode | undefined;
  try {
    a = await startBenchNode('ps-up');
    for (let i = 0; i < chunks.length; i += 1024) {
      await a.chunks.store.putMany(chunks.slice(i, i + 1024), { verify: false });
    }
    b = await startBenchNode('ps-down');
    const down = b.chunks;
    const end = startTiming();
    await b.node.connect(loopbackAddr(a.node));
    await waitFor(() => storedCount(down) >= chunks.length, 600_000, 'pull-sync to finish');
    return end();
  } finally {
    if (b) await stopBenchNode(b);
    if (a) await stopBenchNode(a);
  }
}

/** Raw libp2p stream, node config (TCP + Noise + yamux): `bytes` in 64 KiB writes, until all read. */
async function rawLibp2p(bytes: number): Promise<Timing> {
  const PROTO = '/murmur-bench/raw/1.0.0';
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'], logger: silentLogger };
  const a = await startHost({ ...opts, privateKey: await generateKeyPair('Ed25519') });
  const b = await startHost({ ...opts, privateKey: await generateKeyPair('Ed25519') });
  try {
    let received = 0;
    let onDone: () => void = () => {};
    const done = new Promise<void>((r) => {
      onDone = r;
    });
    await b.handle(PROTO, async (stream) => {
      for await (const m of stream) {
        received += m.byteLength;
        if (received >= bytes) onDone();
      }
    });
    const addr = b.getMultiaddrs().find((m) => m.toString().includes('127.0.0.1'));
    if (addr === undefined) throw new Error('no loopback address');
    const end = startTiming();
    const stream = await a.dialProtocol(multiaddr(addr.toString()), PROTO);
    const block = new Uint8Array(randomBytes(64 * 1024));
    for (let sent = 0; sent < bytes; sent += block.byteLength) {
      if (!stream.send(block.subarray(0, Math.min(block.byteLength, bytes - sent)))) await stream.onDrain();
    }
    await done;
    const t = end();
    await stream.close().catch(() => {});
    return t;
  } finally {
    await a.stop();
    await b.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.CHUNKS ?? 32_768);
  const runs = Number(process.env.RUNS ?? 1);
  const bytes = n * BLOCK;
  const chunks = makeBenchChunks(n);
  const times = { murmur: [] as Timing[], hypercore: [] as Timing[], raw: [] as Timing[] };
  // ONLY=murmur (or raw, hypercore) runs just that one, e.g. for a CPU profile
  const only = process.env.ONLY;
  for (let r = 0; r < runs; r++) {
    times.raw.push(only && only !== 'raw' ? skip : await rawLibp2p(bytes));
    times.murmur.push(only && only !== 'murmur' ? skip : await murmurPullSync(chunks));
    times.hypercore.push(
      only && only !== 'hypercore' ? skip : await hypercoreReplication(chunks.map((c) => c.data.subarray(8))),
    );
  }
  return pullSyncReport(
    n,
    runs,
    {
      murmur: medianTiming(times.murmur),
      hypercore: medianTiming(times.hypercore),
      raw: medianTiming(times.raw),
    },
    {
      murmur: 'murmur pull-sync (2 nodes, LevelDB)',
      hypercore: 'hypercore 11.37.1 replication (TCP)',
      raw: 'raw libp2p stream (Noise+yamux, 64 KiB)',
    },
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  printTable(r.rows as Record<string, unknown>[]);
  console.log(
    `\n${r.chunks} chunks (${r.mib} MiB): pull-sync / hypercore = ${r.pullsync_vs_hypercore}×, pull-sync / raw libp2p = ${r.pullsync_vs_raw}× (per CPU second: ${r.cpu_pullsync_vs_hypercore}× / ${r.cpu_pullsync_vs_raw}×)`,
  );
}
