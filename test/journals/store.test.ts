import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { VirtualClock } from '../../src/clock/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { eventHash } from '../../src/journals/event.ts';
import { genesisHash, parseJournalId } from '../../src/journals/id.ts';
import { jsonPayload, parseJsonPayload } from '../../src/journals/journals.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { dec, enc, hex, openJournals, payloads } from './helpers.ts';

test('create, append single and batched, read a range; the chain links every event', async () => {
  const j = await openJournals();
  const id = (await j.create('orders')).id;
  assert.match(id, /^[0-9a-f]{64}\/orders$/);
  await assert.rejects(j.create('orders'), (e) => isMurmurError(e, 'MURMUR_JOURNAL_EXISTS'));
  const e1 = await j.append(id, { e: 'created', p: { n: 1 } });
  assert.equal(e1.seq, 1);
  assert.equal(hex(e1.prev), hex(genesisHash(parseJournalId(id))));
  const batch = await j.appendBatch(id, payloads(3000));
  assert.deepEqual(
    batch.map((e) => e.seq),
    Array.from({ length: 3000 }, (_, i) => i + 2),
  );
  const { events } = await j.read(id, { from: 1, to: 3001 });
  assert.equal(events.length, 3001);
  let prev = genesisHash(parseJournalId(id));
  for (const e of events) {
    assert.equal(hex(e.prev), hex(prev));
    assert.equal(hex(e.hash), hex(eventHash(e.prev, e.seq, e.time, e.payload)));
    prev = e.hash;
  }
  assert.deepEqual(parseJsonPayload(events[0]!.payload), { e: 'created', p: { n: 1 } });
  assert.equal(parseJsonPayload(enc.encode('not json')), undefined);
  const mid = await j.read(id, { from: 10, to: 12 });
  assert.deepEqual(
    mid.events.map((e) => e.seq),
    [10, 11, 12],
  );
  assert.equal(j.info(id).head, 3001);
  // one signature per ≤1024 events and ≤100 KiB: 3000 small events → 4 signed batches (+ the single append)
  const segs = await j.store.segments(id, 1, 3001, 100, Number.POSITIVE_INFINITY);
  assert.equal(segs.length, 5);
  let first = 1;
  for (const s of segs) {
    assert.equal(s.records.length, s.last - first + 1);
    assert.ok(s.records.length <= 1024);
    assert.ok(s.records.reduce((n, r) => n + r.length, 0) <= 100 * 1024);
    first = s.last + 1;
  }
  assert.equal(first, 3002);
  await j.stop();
});

test('only the writer appends; oversized payloads and bad ids are refused with stable codes', async () => {
  const j = await openJournals();
  const id = (await j.create('a')).id;
  const other = await openJournals();
  await other.store.ensure(id);
  await assert.rejects(other.append(id, enc.encode('x')), (e) =>
    isMurmurError(e, 'MURMUR_JOURNAL_NOT_WRITER'),
  );
  await assert.rejects(j.append(id, new Uint8Array(64 * 1024 + 1)), (e) =>
    isMurmurError(e, 'MURMUR_JOURNAL_TOO_LARGE'),
  );
  await assert.rejects(j.create('bad/name'), (e) => isMurmurError(e, 'MURMUR_JOURNAL_BAD_ID'));
  assert.throws(
    () => j.info('nope'),
    (e) => isMurmurError(e, 'MURMUR_JOURNAL_BAD_ID'),
  );
  assert.throws(
    () => j.info(`${'0'.repeat(64)}/x`),
    (e) => isMurmurError(e, 'MURMUR_JOURNAL_NOT_FOUND'),
  );
  assert.throws(
    () => jsonPayload({} as never),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
  await j.stop();
  await other.stop();
});

test('tail: history in pages then live under concurrent appends, no gap and no duplicate', async () => {
  const j = await openJournals();
  const id = (await j.create('t')).id;
  await j.appendBatch(id, payloads(2500));
  const ac = new AbortController();
  const seen: number[] = [];
  const reader = (async () => {
    try {
      for await (const item of j.tail(id, { from: 1, page: 100, signal: ac.signal })) {
        if (item.type === 'event') seen.push(item.event.seq);
        if (seen.length === 2500 + 1000) ac.abort();
      }
    } catch (err) {
      if (!isMurmurError(err, 'MURMUR_ABORTED')) throw err;
    }
  })();
  // writers race the reader's switch from history to live
  for (let i = 0; i < 500; i++) await j.append(id, enc.encode(`live${i}`));
  await j.appendBatch(id, payloads(500, 10, 'b'));
  await reader;
  assert.deepEqual(
    seen,
    Array.from({ length: 3500 }, (_, i) => i + 1),
  );
  // not live: ends at the head
  const hist: number[] = [];
  for await (const it of j.tail(id, { from: 3490, live: false }))
    if (it.type === 'event') hist.push(it.event.seq);
  assert.deepEqual(hist, [3490, 3491, 3492, 3493, 3494, 3495, 3496, 3497, 3498, 3499, 3500]);
  await j.stop();
});

test('snapshot and compaction: a reader from before upTo gets the snapshot, then events from upTo + 1', async () => {
  const j = await openJournals();
  const id = (await j.create('s')).id;
  await j.appendBatch(id, payloads(100));
  await assert.rejects(j.snapshot(id, { upTo: 101, state: enc.encode('x') }), (e) =>
    isMurmurError(e, 'MURMUR_JOURNAL_BAD_SNAPSHOT'),
  );
  const snap = await j.snapshot(id, { upTo: 60, state: enc.encode('{"count":60}') });
  assert.equal(snap.upTo, 60);
  assert.equal(j.info(id).first, 61);
  assert.equal(j.info(id).snapshot, 60);
  assert.equal((await j.store.read(id, 1, 60, 100)).length, 0, 'events ≤ upTo deleted');
  const r = await j.read(id, { from: 1 });
  assert.equal(dec.decode(r.snapshot!.state), '{"count":60}');
  assert.equal(r.events[0]!.seq, 61);
  assert.equal(r.events.length, 40);
  const items: string[] = [];
  for await (const it of j.tail(id, { from: 5, live: false })) {
    items.push(it.type === 'snapshot' ? `s${it.snapshot.upTo}` : String(it.event.seq));
  }
  assert.equal(items[0], 's60');
  assert.equal(items[1], '61');
  assert.equal(items.length, 41);
  await assert.rejects(j.snapshot(id, { upTo: 50, state: enc.encode('old') }), (e) =>
    isMurmurError(e, 'MURMUR_JOURNAL_BAD_SNAPSHOT'),
  );
  // manual snapshot without compaction, compact later
  await j.snapshot(id, { upTo: 80, state: enc.encode('80'), compact: false });
  assert.equal(j.info(id).first, 61);
  assert.equal(await j.compact(id), 81);
  await j.stop();
});

test('automatic snapshots after N events and after T ms (fake clock)', async () => {
  const clock = new VirtualClock(1_000_000);
  const built: number[] = [];
  const j = await openJournals({
    clock,
    tickMs: 0,
    autoSnapshot: {
      everyEvents: 50,
      everyMs: 60_000,
      state: (_id, upTo) => {
        built.push(upTo);
        return enc.encode(String(upTo));
      },
    },
  });
  const id = (await j.create('auto')).id;
  await j.appendBatch(id, payloads(49));
  await j.autoSnapshots!.settled();
  assert.equal(j.info(id).snapshot, 0, 'not yet due');
  await j.append(id, enc.encode('50th'));
  await j.autoSnapshots!.settled();
  assert.equal(j.info(id).snapshot, 50);
  assert.equal(j.info(id).first, 51, 'compacted');
  await j.appendBatch(id, payloads(10));
  j.autoSnapshots!.tick();
  await j.autoSnapshots!.settled();
  assert.equal(j.info(id).snapshot, 50, 'time rule not yet due');
  clock.advance(60_000);
  j.autoSnapshots!.tick();
  await j.autoSnapshots!.settled();
  assert.equal(j.info(id).snapshot, 60);
  clock.advance(120_000);
  j.autoSnapshots!.tick();
  await j.autoSnapshots!.settled();
  assert.equal(j.info(id).snapshot, 60, 'nothing new: no snapshot');
  assert.deepEqual(built, [50, 60]);
  assert.equal(j.autoSnapshots!.stats.snapshots, 2);
  await j.stop();
});

test('firehose: every journal, history from the start then live', async () => {
  const j = await openJournals();
  const a = (await j.create('a')).id;
  const b = (await j.create('b')).id;
  await j.appendBatch(a, payloads(3));
  const ac = new AbortController();
  const got: string[] = [];
  const done = (async () => {
    try {
      for await (const it of j.firehose({ from: 'start', signal: ac.signal })) {
        if (it.type === 'event') got.push(`${it.journal.slice(-1)}${it.event.seq}`);
        if (got.length === 6) ac.abort();
      }
    } catch (err) {
      if (!isMurmurError(err, 'MURMUR_ABORTED')) throw err;
    }
  })();
  await j.append(b, enc.encode('1'));
  const c = (await j.create('c')).id;
  await j.append(c, enc.encode('1'));
  await j.append(a, enc.encode('4'));
  await done;
  assert.deepEqual(got.sort(), ['a1', 'a2', 'a3', 'a4', 'b1', 'c1']);
  await j.stop();
});

test('classic-level on disk: data and heads survive a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journals-'));
  try {
    const writer = generateWriter();
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    const j = await openJournals({ db, writer });
    const id = (await j.create('disk')).id;
    await j.appendBatch(id, payloads(10));
    await j.snapshot(id, { upTo: 5, state: enc.encode('5') });
    await j.stop();
    await db.close();
    const db2 = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    const j2 = await openJournals({ db: db2, writer });
    assert.equal(j2.info(id).head, 10);
    assert.equal(j2.info(id).first, 6);
    const e = await j2.append(id, enc.encode('11'));
    assert.equal(e.seq, 11);
    const r = await j2.read(id);
    assert.equal(r.snapshot?.upTo, 5);
    assert.equal(hex(r.events[0]!.prev), hex(r.snapshot!.hash));
    await j2.stop();
    await db2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
