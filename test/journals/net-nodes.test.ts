import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { eventHash } from '../../src/journals/event.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { addrOf, serviceCluster, until } from '../helpers/cluster.ts';
import { enc, hex, payloads } from './helpers.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
});

const fast = { catalogueIntervalMs: 200, stallTimeoutMs: 1000, backoffMs: 500, reopenMs: 100 };

async function journalNode(
  opts: ConstructorParameters<typeof JournalsService>[0] = {},
): Promise<{ node: MurmurNode; svc: JournalsService }> {
  const c = await serviceCluster(1, {
    transport: 'libp2p',
    services: () => [new JournalsService({ ...fast, ...opts })],
  });
  const m = c.members[0]!;
  nodes.push(m.node!);
  return { node: m.node!, svc: m.service<JournalsService>('journals') };
}

test('three nodes over libp2p: B follows the writer A through C alone while A is offline; live; every event verifies', async () => {
  const a = await journalNode({ writer: generateWriter() });
  const c = await journalNode();
  const info = await a.svc.journals.create('orders');
  const id = info.id;
  await a.svc.appendBatch(id, payloads(2500, 100));
  await a.svc.append(id, { e: 'created', p: { n: 1 } });

  await c.node.connect(addrOf(a.node));
  await until(() => c.svc.journals.store.info(id)?.head === 2501, { timeoutMs: 60_000 });
  // live: appended on A, delivered to C over the open subscription
  await a.svc.append(id, { e: 'live', p: 2 });
  await until(() => c.svc.journals.store.info(id)?.head === 2502, { timeoutMs: 60_000 });
  const reference = (await a.svc.journals.read(id)).events;
  await a.node.stop(); // A offline from here on

  const b = await journalNode({ follow: { mode: 'list', journals: [id] } });
  await b.node.connect(addrOf(c.node));
  await until(() => b.svc.journals.store.info(id)?.head === 2502, { timeoutMs: 60_000 });
  const got = (await b.svc.journals.read(id)).events;
  assert.equal(got.length, 2502);
  // every accepted event is A's, chained from genesis (the store verified signatures on the way in)
  for (const [i, e] of got.entries()) {
    assert.equal(e.seq, i + 1);
    assert.equal(hex(e.hash), hex(reference[i]!.hash));
    assert.equal(hex(eventHash(e.prev, e.seq, e.time, e.payload)), hex(e.hash));
  }
  assert.equal(b.svc.sync.stats.faults, 0);
  assert.equal(b.svc.sync.stats.accepted, 2502);
  const metrics = await b.node.metrics.metrics();
  assert.match(metrics, /murmur_journals_events_received_total 2502/);
  assert.match(metrics, /murmur_journals_held 1/);
});

test('snapshot + compaction: a new follower gets snapshot + tail and the same state; a live follower gets the snapshot pushed', async () => {
  const a = await journalNode();
  const id = (await a.svc.journals.create('counter')).id;
  await a.svc.appendBatch(
    id,
    Array.from({ length: 300 }, (_, i) => ({ e: 'add', p: i })),
  );
  const live = await journalNode();
  await live.node.connect(addrOf(a.node));
  await until(() => live.svc.journals.store.info(id)?.head === 300, { timeoutMs: 60_000 });

  const state = enc.encode(JSON.stringify({ sum: (299 * 300) / 2 }));
  await a.svc.journals.snapshot(id, { upTo: 250, state });
  await a.svc.appendBatch(id, [{ e: 'add', p: 1000 }]);
  assert.equal(a.svc.journals.info(id).first, 251);
  // the follower already past 250 receives the new snapshot (with the next event) and compacts like the writer
  await until(
    () =>
      live.svc.journals.store.info(id)?.snapshot === 250 && live.svc.journals.store.info(id)?.head === 301,
    { timeoutMs: 60_000 },
  );
  assert.equal(live.svc.journals.info(id).first, 251);

  const fresh = await journalNode();
  await fresh.node.connect(addrOf(a.node));
  await until(() => fresh.svc.journals.store.info(id)?.head === 301, { timeoutMs: 60_000 });
  const r = await fresh.svc.journals.read(id);
  assert.ok(r.snapshot);
  assert.equal(r.snapshot.upTo, 250);
  assert.equal(hex(r.snapshot.state), hex(state));
  assert.deepEqual(
    r.events.map((e) => e.seq),
    Array.from({ length: 51 }, (_, i) => 251 + i),
  );
  const ra = await a.svc.journals.read(id);
  assert.deepEqual(
    r.events.map((e) => hex(e.hash)),
    ra.events.map((e) => hex(e.hash)),
  );
});
