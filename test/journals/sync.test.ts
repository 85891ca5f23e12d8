import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventHash } from '../../src/journals/event.ts';
import { genesisHash, parseJournalId } from '../../src/journals/id.ts';
import type { Journals } from '../../src/journals/journals.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { until } from '../helpers/cluster.ts';
import { enc, hex, payloads } from './helpers.ts';
import { link, shutdown, simNode } from './net.ts';

/** Every stored event of `j` chains from the genesis (or the snapshot) and matches the writer's copy. */
async function assertSameVerified(j: Journals, writer: Journals, id: string): Promise<void> {
  const mine = await j.read(id, { limit: 1e7 });
  const theirs = await writer.read(id, { from: mine.snapshot ? mine.snapshot.upTo + 1 : 1, limit: 1e7 });
  assert.equal(mine.events.length, theirs.events.length);
  let prev = mine.snapshot?.hash ?? genesisHash(parseJournalId(id));
  for (const [i, e] of mine.events.entries()) {
    assert.equal(hex(e.prev), hex(prev), `event ${e.seq} chains`);
    assert.equal(hex(e.hash), hex(eventHash(e.prev, e.seq, e.time, e.payload)));
    assert.equal(hex(e.hash), hex(theirs.events[i]!.hash));
    prev = e.hash;
  }
}

test('writer A, B follows through C alone while A is away; catch-up then live', async () => {
  const writer = generateWriter();
  const a = await simNode('A', { writer });
  const b = await simNode('B');
  const c = await simNode('C');
  const id = (await a.journals.create('feed')).id;
  await a.journals.appendBatch(id, payloads(3000, 100));
  for (let i = 0; i < 20; i++) await a.journals.append(id, { e: 'tick', p: i });
  const cutAC = await link(a, c);
  await until(() => c.journals.store.info(id)?.head === 3020);
  await cutAC(); // A goes away
  await link(b, c);
  await until(() => b.journals.store.info(id)?.head === 3020);
  await assertSameVerified(b.journals, a.journals, id);
  assert.equal(b.sync.stats.accepted, 3020, 'each event accepted once');
  assert.equal(b.sync.status()[0]?.peer, 'C');
  // A comes back and writes; C relays live to B
  await link(a, c);
  await a.journals.append(id, enc.encode('after'));
  await until(() => b.journals.store.info(id)?.head === 3021);
  assert.deepEqual(b.penalties, []);
  await shutdown(a, b, c);
});

test('B crashes mid catch-up (channel dropped, store reopened) and resumes with no gap or duplicate', async () => {
  const writer = generateWriter();
  const a = await simNode('A', { writer });
  const id = (await a.journals.create('big')).id;
  for (let i = 0; i < 20; i++) await a.journals.appendBatch(id, payloads(500, 200, `b${i}-`));
  const b = await simNode('B');
  // slow the link so the crash lands in the middle
  const cut = await link(a, b, { ab: { delayMs: 1 } });
  await until(() => (b.journals.store.info(id)?.head ?? 0) >= 2000);
  await cut();
  await b.sync.stop();
  await b.journals.stop();
  const headAtCrash = b.journals.store.info(id)!.head;
  assert.ok(headAtCrash < 10_000, `crashed mid-way at ${headAtCrash}`);
  const b2 = await simNode('B', { db: b.db });
  assert.equal(b2.journals.info(id).head, headAtCrash, 'verified head persisted with the events');
  await link(a, b2);
  await until(() => b2.journals.store.info(id)?.head === 10_000);
  assert.equal(b2.sync.stats.accepted, 10_000 - headAtCrash, 'resumed right after the last verified event');
  await assertSameVerified(b2.journals, a.journals, id);
  await shutdown(a, b2);
});

test('snapshot and compaction, then a new follower gets snapshot + tail and the same state', async () => {
  const writer = generateWriter();
  const a = await simNode('A', { writer });
  const id = (await a.journals.create('s')).id;
  await a.journals.appendBatch(id, payloads(500));
  await a.journals.snapshot(id, { upTo: 400, state: enc.encode('{"n":400}') });
  await a.journals.appendBatch(id, payloads(50, 20, 'z'));
  const b = await simNode('B');
  await link(a, b);
  await until(() => b.journals.store.info(id)?.head === 550);
  const r = await b.journals.read(id);
  assert.equal(r.snapshot?.upTo, 400);
  assert.equal(new TextDecoder().decode(r.snapshot!.state), '{"n":400}');
  assert.equal(r.events[0]?.seq, 401);
  assert.equal(r.events.length, 150);
  await assertSameVerified(b.journals, a.journals, id);
  // B can serve it onward: D gets the same from B alone
  const d = await simNode('D');
  await link(d, b);
  await until(() => d.journals.store.info(id)?.head === 550);
  assert.equal((await d.journals.getSnapshot(id))?.upTo, 400);
  await shutdown(a, b, d);
});

test('follow policies: a list follows only its journals, on-demand only after follow()', async () => {
  const writer = generateWriter();
  const a = await simNode('A', { writer });
  const x = (await a.journals.create('x')).id;
  const y = (await a.journals.create('y')).id;
  await a.journals.append(x, enc.encode('1'));
  await a.journals.append(y, enc.encode('1'));
  const l = await simNode('L', { policy: { mode: 'list', journals: [y] } });
  const o = await simNode('O', { policy: { mode: 'on-demand' } });
  await link(l, a);
  await link(o, a);
  await until(() => l.journals.store.info(y)?.head === 1);
  assert.equal(l.journals.store.has(x), false);
  assert.equal(o.journals.list().length, 0);
  await o.sync.follow(x);
  await until(() => o.journals.store.info(x)?.head === 1);
  assert.equal(o.journals.store.has(y), false);
  await shutdown(a, l, o);
});
