import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { MAX_SNAPSHOT_STATE_BYTES } from '../../src/journals/constants.ts';
import {
  decodeFoldState,
  emptyFoldState,
  encodeFoldState,
  type FoldState,
  foldPayloads,
  jsonFoldPolicy,
  jsonFoldState,
} from '../../src/journals/fold.ts';
import { jsonPayload } from '../../src/journals/journals.ts';
import { until } from '../helpers/cluster.ts';
import { dec, enc, openJournals } from './helpers.ts';

const ev = (e: string, p?: unknown): Uint8Array => jsonPayload({ e, p });
const plain = (s: FoldState): unknown => JSON.parse(JSON.stringify(s));

test('fold step: latest payload per event name, total and other counts, input not modified', () => {
  const s0 = emptyFoldState();
  const s1 = foldPayloads(s0, [ev('a', 1), ev('b', { x: [1, 2] }), enc.encode('not json'), ev('a', 2)]);
  assert.deepEqual(plain(s1), { v: 1, last: { a: 2, b: { x: [1, 2] } }, count: 4, other: 1 });
  assert.deepEqual(plain(s0), { v: 1, last: {}, count: 0, other: 0 });
  const s2 = foldPayloads(s1, [ev('c'), enc.encode('[1]'), enc.encode('{"e":5}'), new Uint8Array([0xff])]);
  assert.deepEqual(plain(s2), { v: 1, last: { a: 2, b: { x: [1, 2] }, c: null }, count: 8, other: 4 });
  assert.equal(s1.count, 4);
});

test('fold step: an event named __proto__ is an ordinary key (no prototype change)', () => {
  const s = foldPayloads(emptyFoldState(), [enc.encode('{"e":"__proto__","p":{"polluted":true}}')]);
  assert.equal(Object.getPrototypeOf(s.last), null);
  assert.deepEqual(Object.keys(s.last), ['__proto__']);
  const round = decodeFoldState(encodeFoldState(s));
  assert.deepEqual(Object.keys(round.last), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('fold state encode/decode round-trip; foreign states are refused with a stable code', () => {
  const s = foldPayloads(emptyFoldState(), [ev('x', 'y'), enc.encode('zz')]);
  assert.deepEqual(plain(decodeFoldState(encodeFoldState(s))), plain(s));
  for (const bad of [
    '{"count":1}',
    '[]',
    'null',
    '{"v":2,"last":{},"count":0}',
    '{"v":1,"last":[],"count":0}',
    '{"v":1,"last":{},"count":-1}',
    '{"v":1,"last":{},"count":1,"other":2}',
    '\xff',
    'hello',
  ]) {
    assert.throws(() => decodeFoldState(enc.encode(bad)), { code: 'MURMUR_JOURNAL_BAD_SNAPSHOT' }, bad);
  }
});

test('property: folding random bytes never throws, counts every event, state round-trips', () => {
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc
      .record({ e: fc.string({ maxLength: 8 }), p: fc.jsonValue({ maxDepth: 3 }) })
      .map((x) => jsonPayload(x)),
    fc.json({ maxDepth: 3 }).map((s) => enc.encode(s)),
    // corrupted {e, p}: one byte changed or the tail cut
    fc.tuple(fc.string({ maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([e, i, b]) => {
      const x = ev(e, { n: i });
      if (i % 2 === 0) x[i % x.length] = b;
      return i % 2 === 0 ? x : x.subarray(0, i % x.length);
    }),
  );
  fc.assert(
    fc.property(fc.array(payload, { maxLength: 40 }), fc.nat({ max: 40 }), (payloads, cut) => {
      const split = Math.min(cut, payloads.length);
      const once = foldPayloads(emptyFoldState(), payloads);
      const twice = foldPayloads(
        foldPayloads(emptyFoldState(), payloads.slice(0, split)),
        payloads.slice(split),
      );
      assert.equal(once.count, payloads.length);
      assert.ok(once.other <= once.count);
      assert.deepEqual(plain(twice), plain(once));
      assert.deepEqual(plain(decodeFoldState(encodeFoldState(once))), plain(once));
    }),
  );
});

test('property: decodeFoldState on random and corrupted bytes returns or throws a MurmurError', () => {
  const good = encodeFoldState(foldPayloads(emptyFoldState(), [ev('a', 1), ev('b', 'x')]));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const x = good.slice();
      x[i % x.length] = b;
      return x;
    }),
    fc.nat().map((i) => good.subarray(0, i % good.length)),
  );
  fc.assert(
    fc.property(input, (bytes) => {
      try {
        const s = decodeFoldState(bytes);
        assert.equal(s.v, 1);
      } catch (err) {
        assert.ok(isMurmurError(err) && err.code === 'MURMUR_JOURNAL_BAD_SNAPSHOT', String(err));
      }
    }),
  );
});

test('jsonFoldState reads incrementally from the previous snapshot through the store', async () => {
  const j = await openJournals();
  const { id } = await j.create('fold');
  await j.appendBatch(id, [{ e: 'a', p: 1 }, { e: 'b', p: 2 }, enc.encode('raw')]);
  const s3 = await jsonFoldState(id, 3, { store: j.store });
  assert.deepEqual(JSON.parse(dec.decode(s3)), { v: 1, last: { a: 1, b: 2 }, count: 3, other: 1 });
  await j.snapshot(id, { upTo: 3, state: s3 });
  await j.appendBatch(id, [
    { e: 'a', p: 10 },
    { e: 'c', p: 'x' },
    { e: 'a', p: 11 },
  ]);
  const s5 = await jsonFoldState(id, 5, { store: j.store });
  assert.deepEqual(JSON.parse(dec.decode(s5)), { v: 1, last: { a: 10, b: 2, c: 'x' }, count: 5, other: 1 });
  // the signal is honoured
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(jsonFoldState(id, 6, { store: j.store, signal: ac.signal }), {
    code: 'MURMUR_ABORTED',
  });
  // a foreign previous state is refused
  await j.snapshot(id, { upTo: 4, state: enc.encode('my own state') });
  await assert.rejects(jsonFoldState(id, 6, { store: j.store }), { code: 'MURMUR_JOURNAL_BAD_SNAPSHOT' });
  await j.stop();
});

test('jsonFoldState pages through more than one read page', async () => {
  const j = await openJournals();
  const { id } = await j.create('many');
  await j.appendBatch(
    id,
    Array.from({ length: 2500 }, (_, i) => ({ e: `k${i % 7}`, p: i })),
  );
  const s = JSON.parse(dec.decode(await jsonFoldState(id, 2500, { store: j.store })));
  assert.equal(s.count, 2500);
  assert.equal(s.last.k0, 2499); // 2499 = 7 × 357
  assert.equal(s.last.k6, 2498);
  assert.equal(s.last.k1, 2493);
  await j.stop();
});

test('automatic snapshots with the fold: compacts, and a state over the cap is skipped and counted', async () => {
  const j = await openJournals({ autoSnapshot: jsonFoldPolicy({ everyEvents: 5 })!, tickMs: 0 });
  const { id } = await j.create('auto');
  for (let i = 1; i <= 12; i++) await j.append(id, { e: i % 2 ? 'odd' : 'even', p: i });
  await until(async () => {
    await j.autoSnapshots!.settled();
    return j.info(id).snapshot >= 10;
  });
  // appends went on while a snapshot was taken: the next one was still taken once it was due
  const snap = (await j.getSnapshot(id))!;
  const upTo = snap.upTo;
  const oddLast = upTo % 2 ? upTo : upTo - 1;
  assert.deepEqual(JSON.parse(dec.decode(snap.state)), {
    v: 1,
    last: { odd: oddLast, even: oddLast + 1 > upTo ? upTo - 1 : oddLast + 1 },
    count: upTo,
    other: 0,
  });
  assert.equal(j.info(id).first, upTo + 1);
  const read = await j.read(id, { from: 1 });
  assert.equal(read.snapshot?.upTo, upTo);
  assert.deepEqual(
    read.events.map((e) => e.seq),
    Array.from({ length: 12 - upTo }, (_, i) => upTo + 1 + i),
  );

  // state over the cap: many distinct names with large payloads
  const big = 'x'.repeat(30_000);
  const failures = j.autoSnapshots!.stats.failures;
  await j.appendBatch(
    id,
    Array.from({ length: 5 }, (_, i) => ({ e: `big${i}`, p: big })),
  );
  await j.autoSnapshots!.settled();
  assert.equal(j.autoSnapshots!.stats.failures, failures + 1);
  assert.equal(j.info(id).snapshot, upTo, 'no partial snapshot');
  assert.ok(MAX_SNAPSHOT_STATE_BYTES < 5 * 30_000);
  // no retry after every commit: the next attempt waits for 5 more events
  await j.append(id, { e: 'small', p: 1 });
  await j.autoSnapshots!.settled();
  assert.equal(j.autoSnapshots!.stats.failures, failures + 1);
  await j.stop();
});

test('jsonFoldPolicy: undefined without a rule; compact defaults to true', () => {
  assert.equal(jsonFoldPolicy({}), undefined);
  assert.equal(jsonFoldPolicy({ everyMs: 1000 })?.compact, true);
  assert.equal(jsonFoldPolicy({ everyEvents: 3, compact: false })?.compact, false);
  assert.equal(jsonFoldPolicy({ everyEvents: 3 })?.everyMs, undefined);
});
