/**
 * Journal catch-up between two nodes in one process: writer store → follower store (LevelDB each, temp
 * folders) through JournalSync over streamer sessions on an in-memory channel: every event verified
 * (hash chain + one signature per segment) and stored. 10^6 events of 100 B and 10^5 of 4 KiB by
 * default (`JOURNAL_SMALL=n`, `JOURNAL_LARGE=n`). Then live latency, append → delivery at the
 * follower's tail, p50/p99 over `JOURNAL_LIVE=n` (default 10000) events. The Hypercore comparison
 * over TCP comes with the network step (docs/JOURNALS.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { Journals } from '../src/journals/journals.ts';
import { generateWriter } from '../src/journals/keys.ts';
import { StreamerSession } from '../src/journals/sync/session.ts';
import { JournalSync } from '../src/journals/sync/sync.ts';
import { memoryPair } from '../src/streamer/channel.ts';

interface Pair {
  writer: Journals;
  follower: Journals;
  sync: JournalSync;
  close: () => Promise<void>;
}

async function pair(dir: string, tag: string): Promise<Pair> {
  const dbA = new ClassicLevel<string, Uint8Array>(join(dir, `${tag}-a`), { valueEncoding: 'view' });
  const dbB = new ClassicLevel<string, Uint8Array>(join(dir, `${tag}-b`), { valueEncoding: 'view' });
  const writer = new Journals({ db: dbA, dir: join(dir, `${tag}-a-logs`), writer: generateWriter() });
  const follower = new Journals({ db: dbB, dir: join(dir, `${tag}-b-logs`) });
  await writer.start();
  await follower.start();
  const upstream = new JournalSync({ journals: writer });
  const sync = new JournalSync({ journals: follower, catalogueIntervalMs: 60_000, stallTimeoutMs: 60_000 });
  const [ca, cb] = memoryPair();
  const sa = new StreamerSession({ peer: 'B', channel: ca, providers: upstream.providers() });
  const sb = new StreamerSession({ peer: 'A', channel: cb, providers: sync.providers() });
  sa.start();
  sb.start();
  const dialA = async () => {
    const [x, y] = memoryPair();
    void upstream.serveCatalogue(y);
    return x;
  };
  return {
    writer,
    follower,
    sync: Object.assign(sync, { connect: () => sync.addPeer('A', { session: sb, dialCatalogue: dialA }) }),
    close: async () => {
      await sync.stop();
      await Promise.all([sa.stop(), sb.stop()]);
      await writer.stop();
      await follower.stop();
      await Promise.all([dbA.close(), dbB.close()]);
    },
  };
}

async function catchUp(dir: string, tag: string, n: number, size: number): Promise<Record<string, number>> {
  const p = await pair(dir, tag);
  try {
    const id = (await p.writer.create('bench')).id;
    const payload = new Uint8Array(randomBytes(size));
    const per = Math.max(1, Math.min(10_000, Math.floor((4 << 20) / size)));
    for (let i = 0; i < n; i += per) {
      await p.writer.appendBatch(
        id,
        Array.from({ length: Math.min(per, n - i) }, () => payload),
      );
    }
    const t0 = performance.now();
    await (p.sync as JournalSync & { connect: () => Promise<void> }).connect();
    while ((p.follower.store.info(id)?.head ?? 0) < n) {
      await p.follower.store.waiters.wait(id);
    }
    const ms = performance.now() - t0;
    return {
      events: n,
      event_bytes: size,
      ms: Math.round(ms),
      events_per_s: Math.round(n / (ms / 1000)),
      mb_per_s: +((n * size) / 1e6 / (ms / 1000)).toFixed(1),
    };
  } finally {
    await p.close();
  }
}

async function liveLatency(dir: string, n: number): Promise<Record<string, number>> {
  const p = await pair(dir, 'live');
  try {
    const id = (await p.writer.create('live')).id;
    await p.writer.append(id, new Uint8Array(100));
    await (p.sync as JournalSync & { connect: () => Promise<void> }).connect();
    while ((p.follower.store.info(id)?.head ?? 0) < 1) await p.follower.store.waiters.wait(id);
    const ac = new AbortController();
    const it = p.follower.tail(id, { from: 2, signal: ac.signal })[Symbol.asyncIterator]();
    const lat: number[] = [];
    const payload = new Uint8Array(randomBytes(100));
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const got = it.next();
      await p.writer.append(id, payload);
      await got;
      lat.push(performance.now() - t);
    }
    ac.abort();
    lat.sort((a, b) => a - b);
    const q = (x: number): number => +lat[Math.min(lat.length - 1, Math.floor(x * lat.length))]!.toFixed(3);
    return { events: n, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1) };
  } finally {
    await p.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  try {
    return {
      small: await catchUp(dir, 'small', Number(process.env.JOURNAL_SMALL ?? 1_000_000), 100),
      large: await catchUp(dir, 'large', Number(process.env.JOURNAL_LARGE ?? 100_000), 4096),
      live_in_process: await liveLatency(dir, Number(process.env.JOURNAL_LIVE ?? 10_000)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
