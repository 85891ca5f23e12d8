import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { decodeEvent, encodeEvent, encodeSegmentItem } from '../../src/journals/event.ts';
import { generateWriter, type Writer } from '../../src/journals/keys.ts';
import { encodeCatalogue } from '../../src/journals/sync/catalogue.ts';
import type { Provider } from '../../src/journals/sync/session.ts';
import { StreamerSession } from '../../src/journals/sync/session.ts';
import { FrameReader, memoryPair } from '../../src/streamer/channel.ts';
import { until } from '../helpers/cluster.ts';
import { openJournals, payloads } from './helpers.ts';
import { link, type SimNode, shutdown, simNode } from './net.ts';

/** Genuine raw records 1..n of journal `name` written by `writer` (one signed batch). */
async function records(writer: Writer, name: string, n: number, tag = 'x'): Promise<Uint8Array[]> {
  const j = await openJournals({ writer, db: new MemoryLevel({ valueEncoding: 'view' }) });
  const id = (await j.create(name)).id;
  await j.appendBatch(id, payloads(n, 20, tag));
  const segs = await j.store.segments(id, 1, n, 10, Number.POSITIVE_INFINITY);
  await j.stop();
  return segs.flatMap((s) => s.records);
}

/** A peer that advertises `to` for the journal and serves one crafted item, then nothing. */
async function evilPeer(
  b: SimNode,
  name: string,
  id: string,
  item: Uint8Array,
  offered: Uint8Array,
  to: number,
) {
  let served = false;
  const provider: Provider = {
    batch: async (_from, _to, _limit, { signal }) => {
      if (!served) {
        served = true;
        return { hashes: [offered], to: BigInt(to) };
      }
      await new Promise((_, reject) => signal.addEventListener('abort', reject, { once: true }));
      throw new Error('unreachable');
    },
    get: async () => item,
  };
  const [cm, cb] = memoryPair();
  const sm = new StreamerSession({ peer: b.name, channel: cm, providers: { journal: () => provider } });
  const sb = new StreamerSession({ peer: name, channel: cb, providers: b.sync.providers() });
  sm.start();
  sb.start();
  b.sessions.set(name, sb);
  b.sessions.set(`${name}-own`, sm);
  await b.sync.addPeer(name, {
    session: sb,
    dialCatalogue: async () => {
      const [x, y] = memoryPair();
      void (async () => {
        await new FrameReader(y).next();
        await y.send(encodeCatalogue([{ journal: id, from: 1, to, snapshot: 0 }]));
        y.close();
      })();
      return x;
    },
  });
}

const lastHash = (recs: Uint8Array[]): Uint8Array => decodeEvent(recs.at(-1)!).hash;

for (const kind of ['forged', 'tampered', 'reordered', 'oversized', 'forked'] as const) {
  test(`a ${kind} item is rejected, the peer penalised, nothing stored lost, and sync routes around it`, async () => {
    const writer = generateWriter();
    const a = await simNode('A', { writer });
    const id = (await a.journals.create('j')).id;
    await a.journals.appendBatch(id, payloads(20, 20));
    const b = await simNode('B');
    let base = 0;
    let item: Uint8Array;
    let offered: Uint8Array;
    const expected = {
      forged: 'MURMUR_JOURNAL_FORGED',
      tampered: 'MURMUR_JOURNAL_FORGED',
      reordered: 'MURMUR_JOURNAL_GAP',
      oversized: 'MURMUR_JOURNAL_TOO_LARGE',
      forked: 'MURMUR_JOURNAL_FORK',
    }[kind];
    if (kind === 'forged') {
      const recs = await records(generateWriter(), 'j', 30); // same name, someone else's key
      item = encodeSegmentItem(recs);
      offered = lastHash(recs);
    } else if (kind === 'tampered') {
      const recs = await records(writer, 'j', 30, 'other');
      const last = decodeEvent(recs.at(-1)!);
      recs[recs.length - 1] = encodeEvent({ ...last, payload: new TextEncoder().encode('changed') });
      item = encodeSegmentItem(recs);
      offered = lastHash(recs);
    } else if (kind === 'reordered') {
      const recs = await records(writer, 'j', 30, 'other');
      [recs[3], recs[4]] = [recs[4]!, recs[3]!];
      item = encodeSegmentItem(recs);
      offered = lastHash(recs);
    } else if (kind === 'oversized') {
      const e = decodeEvent((await records(writer, 'j', 1))[0]!);
      const big = encodeEvent({
        ...e,
        payload: new Uint8Array(70 * 1024),
        sig: new Uint8Array(64),
        sigFirst: 1,
      });
      item = encodeSegmentItem([big]);
      offered = new Uint8Array(32);
    } else {
      // B already holds A's 1..20; the writer also signed another history of the same journal
      const cut = await link(b, a);
      await until(() => b.journals.store.info(id)?.head === 20);
      await cut();
      base = 20;
      const recs = await records(writer, 'j', 30, 'fork');
      item = encodeSegmentItem(recs.slice(20));
      offered = lastHash(recs);
    }
    await evilPeer(b, 'M', id, item, offered, 1000);
    await until(() => b.penalties.length > 0);
    assert.deepEqual(b.penalties, [{ peer: 'M', code: expected }]);
    assert.equal(b.journals.store.info(id)!.head, base, 'nothing accepted from M, nothing lost');
    // routed around: A serves the real journal
    await link(b, a);
    await a.journals.appendBatch(id, payloads(5, 20, 'more'));
    await until(() => b.journals.store.info(id)?.head === 25);
    const mine = await b.journals.read(id);
    const real = await a.journals.read(id);
    assert.deepEqual(
      mine.events.map((e) => Buffer.from(e.hash).toString('hex')),
      real.events.map((e) => Buffer.from(e.hash).toString('hex')),
    );
    assert.equal(b.penalties.length, 1);
    await shutdown(a, b);
  });
}

test('a peer that stalls mid-stream is routed around after the stall timeout', async () => {
  const writer = generateWriter();
  const a = await simNode('A', { writer });
  const id = (await a.journals.create('stall')).id;
  for (let i = 0; i < 6; i++) await a.journals.appendBatch(id, payloads(400, 100, `s${i}`));
  const s = await simNode('S');
  const cutAS = await link(s, a);
  await until(() => s.journals.store.info(id)?.head === 2400);
  await cutAS();
  const b = await simNode('B', { stallTimeoutMs: 200 });
  // S sends its first offer and two deliveries, then goes silent without closing
  await link(b, s, { ba: { drop: (_f, n) => n >= 3 } });
  await until(() => (b.journals.store.info(id)?.head ?? 0) > 0);
  const stalledAt = b.journals.store.info(id)!.head;
  assert.ok(stalledAt < 2400);
  await link(b, a);
  await until(() => b.journals.store.info(id)?.head === 2400);
  assert.ok(b.sync.stats.stalls >= 1);
  assert.deepEqual(b.penalties, [], 'a stall is routed around, not penalised');
  assert.equal(b.sync.status()[0]?.peer, 'A');
  await shutdown(a, s, b);
});
