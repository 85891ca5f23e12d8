/**
 * Journal catch-up between two murmur nodes over TCP loopback (libp2p, Noise + yamux; both nodes in
 * this process, LevelDB in temp folders): the writer holds n events, the follower connects and
 * receives, verifies (hash chain + one signature per segment) and stores them all. Side by side in the
 * same run: Hypercore 11.37.1 replicating the same payloads over a TCP socket (reader core downloads
 * 0..n). 10^6 × 100 B and 10^5 × 4 KiB by default (`JOURNAL_SMALL=n`, `JOURNAL_LARGE=n`;
 * `JOURNAL_ANCHOR=0` skips Hypercore, for profiling).
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loopbackAddr, startJournalNode, stopJournalNode, waitFor } from './journals-net-common.ts';
import { hypercoreReplication } from './net-common.ts';

function payloads(n: number, size: number): Uint8Array[] {
  const pool = randomBytes(size * 1024);
  return Array.from({ length: n }, (_, i) => {
    const p = new Uint8Array(size);
    p.set(pool.subarray((i % 1024) * size, (i % 1024) * size + size));
    new DataView(p.buffer).setUint32(0, i); // distinct payloads
    return p;
  });
}

async function murmur(data: Uint8Array[]): Promise<{ ms: number; cpuMs: number }> {
  const a = await startJournalNode('jw');
  const b = await startJournalNode('jf', { follow: { mode: 'all' } });
  try {
    const id = (await a.svc.journals.create('bench')).id;
    for (let i = 0; i < data.length; i += 50_000) await a.svc.appendBatch(id, data.slice(i, i + 50_000));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await b.node.connect(loopbackAddr(a.node));
    await waitFor(() => b.svc.journals.store.info(id)?.head === data.length, 600_000, 'murmur catch-up');
    const ms = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    await stopJournalNode(b);
    await stopJournalNode(a);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = [
    { label: '100 B', n: Number(process.env.JOURNAL_SMALL ?? 1_000_000), size: 100 },
    { label: '4 KiB', n: Number(process.env.JOURNAL_LARGE ?? 100_000), size: 4096 },
  ];
  const out: Record<string, unknown> = {};
  for (const { label, n, size } of sizes) {
    const data = payloads(n, size);
    const m = await murmur(data);
    const h =
      process.env.JOURNAL_ANCHOR === '0'
        ? { ms: Number.NaN, cpuMs: Number.NaN }
        : await hypercoreReplication(data);
    const rate = (t: { ms: number }) => Math.round(n / (t.ms / 1000));
    const mbps = (t: { ms: number }) => +((n * size) / 1e6 / (t.ms / 1000)).toFixed(1);
    const key = size === 100 ? 'small' : 'large';
    out[key] = {
      events: n,
      payload: label,
      murmur: {
        seconds: +(m.ms / 1000).toFixed(2),
        events_per_s: rate(m),
        mb_per_s: mbps(m),
        cpu_s: +(m.cpuMs / 1000).toFixed(1),
      },
      hypercore: {
        seconds: +(h.ms / 1000).toFixed(2),
        events_per_s: rate(h),
        mb_per_s: mbps(h),
        cpu_s: +(h.cpuMs / 1000).toFixed(1),
      },
      murmur_vs_hypercore: +(h.ms / m.ms).toFixed(2),
    };
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
