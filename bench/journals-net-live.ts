/**
 * Live latency between two murmur nodes over TCP loopback (libp2p, Noise + yamux; both nodes in this
 * process, LevelDB in temp folders): the follower is subscribed live; each event is appended on the
 * writer (one signature each) and timed until the follower's `follow()` reader yields it (verified
 * and stored there). One event at a time; p50 / p99 / max over `JOURNAL_LIVE=n` events (default
 * 10000), 100 B payloads.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  loopbackAddr,
  percentile,
  startJournalNode,
  stopJournalNode,
  waitFor,
} from './journals-net-common.ts';

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.JOURNAL_LIVE ?? 10_000);
  const a = await startJournalNode('lw');
  const b = await startJournalNode('lf');
  const ac = new AbortController();
  try {
    const id = (await a.svc.journals.create('live')).id;
    await a.svc.append(id, new Uint8Array(randomBytes(100)));
    await b.node.connect(loopbackAddr(a.node));
    await waitFor(() => b.svc.journals.store.info(id)?.head === 1, 30_000, 'subscription');
    const arrived = new Map<number, number>();
    let wake: (() => void) | undefined;
    const reader = (async () => {
      for await (const item of b.svc.journals.follow(id, { from: 2, signal: ac.signal })) {
        if (item.type !== 'event') continue;
        arrived.set(item.event.seq, performance.now());
        wake?.();
      }
    })().catch(() => {});
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const seq = i + 2;
      const t0 = performance.now();
      const delivered = new Promise<void>((r) => {
        wake = () => {
          if (arrived.has(seq)) r();
        };
      });
      await a.svc.append(id, new Uint8Array(randomBytes(100)));
      if (!arrived.has(seq)) await delivered;
      lat.push(arrived.get(seq)! - t0);
    }
    ac.abort();
    await reader;
    lat.sort((x, y) => x - y);
    const r = (v: number) => +v.toFixed(2);
    return {
      events: n,
      p50_ms: r(percentile(lat, 50)),
      p90_ms: r(percentile(lat, 90)),
      p99_ms: r(percentile(lat, 99)),
      max_ms: r(lat.at(-1)!),
      goal_p99_under_10_ms: percentile(lat, 99) < 10,
    };
  } finally {
    ac.abort();
    await stopJournalNode(b);
    await stopJournalNode(a);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
