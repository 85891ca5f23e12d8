import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { CATALOGUE_PROTOCOL, JOURNALS_PROTOCOL } from '../../src/journals/constants.ts';
import { decodeEvent, encodeEvent, encodeSegmentItem } from '../../src/journals/event.ts';
import { generateWriter, type Writer } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { encodeCatalogue } from '../../src/journals/sync/catalogue.ts';
import { type Provider, StreamerSession } from '../../src/journals/sync/session.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import type { NodeService, ServiceContext } from '../../src/service/context.ts';
import { FrameReader } from '../../src/streamer/channel.ts';
import { MAX_MESSAGE_BYTES } from '../../src/streamer/constants.ts';
import { addrOf, startNode, until } from '../helpers/cluster.ts';
import { hex, openJournals, payloads } from './helpers.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
});

const fast = { catalogueIntervalMs: 200, stallTimeoutMs: 800, backoffMs: 60_000, reopenMs: 100 };

/** A test double speaking the real journal protocols: advertises `to` and serves crafted items. */
class LyingPeer implements NodeService {
  readonly name = 'journals';
  readonly sessions: StreamerSession[] = [];
  readonly journal: string;
  readonly to: number;
  readonly items: { hash: Uint8Array; data: Uint8Array; to: number }[];
  constructor(journal: string, to: number, items: { hash: Uint8Array; data: Uint8Array; to: number }[]) {
    this.journal = journal;
    this.to = to;
    this.items = items;
  }
  async start(ctx: ServiceContext): Promise<void> {
    await ctx.handle(CATALOGUE_PROTOCOL, async (channel) => {
      await new FrameReader(channel).next();
      await channel.send(encodeCatalogue([{ journal: this.journal, from: 1, to: this.to, snapshot: 0 }]));
      channel.close();
    });
    await ctx.handle(
      JOURNALS_PROTOCOL,
      (channel, peer) => {
        let next = 0;
        const items = this.items;
        const provider: Provider = {
          batch: async (_from, _to, _limit, { signal }) => {
            const item = items[next++];
            if (item) return { hashes: [item.hash], to: BigInt(item.to) };
            // then stall: offer nothing more while advertising more
            await new Promise((_, reject) => signal.addEventListener('abort', reject, { once: true }));
            throw new Error('unreachable');
          },
          get: async (h) => items.find((i) => hex(i.hash) === hex(h))?.data,
        };
        const s = new StreamerSession({ peer: peer.peerId, channel, providers: { journal: () => provider } });
        this.sessions.push(s);
        s.start();
      },
      { maxMessageBytes: MAX_MESSAGE_BYTES + 1024 },
    );
  }
  async stop(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.stop()));
  }
}

/** Genuine records 1..n of journal `name` signed by `writer` (one batch). */
async function records(writer: Writer, name: string, n: number, tag: string): Promise<Uint8Array[]> {
  const j = await openJournals({ writer, db: new MemoryLevel({ valueEncoding: 'view' }) });
  const id = (await j.create(name)).id;
  await j.appendBatch(id, payloads(n, 20, tag));
  const segs = await j.store.segments(id, 1, n, 10, Number.POSITIVE_INFINITY);
  await j.stop();
  return segs.flatMap((s) => s.records);
}

const segment = (recs: Uint8Array[]) => ({
  data: encodeSegmentItem(recs),
  hash: decodeEvent(recs.at(-1)!).hash,
  to: decodeEvent(recs.at(-1)!).seq,
});

const writer = generateWriter();
let writerNode: { node: MurmurNode; svc: JournalsService } | undefined;
let journalId = '';

async function honestWriter(): Promise<{ node: MurmurNode; svc: JournalsService }> {
  if (writerNode) return writerNode;
  const svc = new JournalsService({ ...fast, writer });
  const node = await startNode({ services: [svc] });
  nodes.push(node);
  journalId = (await svc.journals.create('j')).id;
  await svc.appendBatch(journalId, payloads(40, 20, 'x'));
  writerNode = { node, svc };
  return writerNode;
}

const cases = {
  forged: async () => [segment(await records(generateWriter(), 'j', 30, 'x'))], // someone else's key
  tampered: async () => {
    const recs = await records(writer, 'j', 30, 'other');
    const last = decodeEvent(recs.at(-1)!);
    recs[recs.length - 1] = encodeEvent({ ...last, payload: new TextEncoder().encode('changed') });
    return [{ ...segment(recs), hash: last.hash }];
  },
  reordered: async () => {
    const recs = await records(writer, 'j', 30, 'other');
    [recs[3], recs[4]] = [recs[4]!, recs[3]!];
    return [segment(recs)];
  },
  oversized: async () => {
    const e = decodeEvent((await records(writer, 'j', 1, 'x'))[0]!);
    const big = encodeEvent({
      ...e,
      payload: new Uint8Array(70 * 1024),
      sig: new Uint8Array(64),
      sigFirst: 1,
    });
    return [{ data: encodeSegmentItem([big]), hash: new Uint8Array(32), to: 1 }];
  },
  // the writer signed another history of the same journal: B already holds 1..40 from A
  forked: async () => [segment((await records(writer, 'j', 60, 'fork')).slice(40))],
} as const;

const expected: Record<keyof typeof cases, string> = {
  forged: 'forged',
  tampered: 'forged',
  reordered: 'gap',
  oversized: 'too_large',
  forked: 'fork',
};

for (const kind of Object.keys(cases) as (keyof typeof cases)[]) {
  test(`over libp2p: a ${kind} item is rejected, the peer struck, nothing stored lost, sync completes from an honest peer`, async () => {
    const a = await honestWriter();
    const items = await cases[kind]();
    const b = { svc: new JournalsService({ ...fast, follow: { mode: 'list', journals: [journalId] } }) };
    const bNode = await startNode({ services: [b.svc] });
    nodes.push(bNode);
    if (kind === 'forked') {
      await bNode.connect(addrOf(a.node));
      await until(() => b.svc.journals.store.info(journalId)?.head === 40, { timeoutMs: 60_000 });
    }
    const liar = new LyingPeer(journalId, 1000, items);
    const mNode = await startNode({ services: [liar] });
    nodes.push(mNode);
    await bNode.connect(addrOf(mNode));
    await until(() => b.svc.counters.rejected.size > 0, { timeoutMs: 60_000 });
    assert.deepEqual([...b.svc.counters.rejected], [[expected[kind], 1]]);
    const peer = bNode.peers().find((p) => p.peerId === mNode.peerId);
    assert.ok(peer && peer.strikes >= 1, 'the liar was struck');
    if (kind !== 'forked') await bNode.connect(addrOf(a.node));
    await until(() => b.svc.journals.store.info(journalId)?.head === 40, { timeoutMs: 60_000 });
    const mine = (await b.svc.journals.read(journalId)).events.map((e) => hex(e.hash));
    const ref = (await a.svc.journals.read(journalId)).events.map((e) => hex(e.hash));
    assert.deepEqual(mine, ref);
    assert.match(
      await bNode.metrics.metrics(),
      new RegExp(`murmur_journals_events_rejected_total\\{reason="${expected[kind]}"\\} 1`),
    );
    await mNode.stop();
    await bNode.stop();
  });
}

test('over libp2p: a peer that stalls mid-stream is routed around, nothing stored lost', async () => {
  const a = await honestWriter();
  const segs = await a.svc.journals.store.segments(journalId, 1, 40, 10, Number.POSITIVE_INFINITY);
  assert.ok(segs.length >= 1);
  // genuine events 1..40 (one signed segment), then nothing more while advertising up to 1000
  const first = segment(segs[0]!.records);
  const staller = new LyingPeer(journalId, 1000, [first]);
  const mNode = await startNode({ services: [staller] });
  nodes.push(mNode);
  const svc = new JournalsService({ ...fast, follow: { mode: 'list', journals: [journalId] } });
  const bNode = await startNode({ services: [svc] });
  nodes.push(bNode);
  await bNode.connect(addrOf(mNode));
  await until(() => (svc.journals.store.info(journalId)?.head ?? 0) === 40, { timeoutMs: 60_000 });
  await a.svc.append(journalId, { e: 'more' });
  await bNode.connect(addrOf(a.node));
  await until(() => svc.journals.store.info(journalId)?.head === 41, { timeoutMs: 60_000 });
  assert.ok(svc.sync.stats.stalls >= 1);
  assert.equal(svc.counters.rejected.size, 0, 'a stall is not a penalty');
  await mNode.stop();
  await bNode.stop();
});
