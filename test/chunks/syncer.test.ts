import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { IntervalStore } from '../../src/chunks/intervals/interval-store.ts';
import type { PullSyncClient } from '../../src/chunks/pullsync/client.ts';
import { decode } from '../../src/chunks/pullsync/messages.ts';
import { streamKey, syncBin } from '../../src/chunks/pullsync/syncer.ts';
import { VirtualClock } from '../../src/clock/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { until } from '../helpers/cluster.ts';
import { chunksInBin, TestNet } from './helpers.ts';

const nets: TestNet[] = [];
after(async () => {
  for (const n of nets) await n.close();
});

test('syncBin: history up to the cursor, then live; intervals persisted and merged', async () => {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up', { pageLimit: 8 });
  const down = await net.add('down');
  await up.store.putMany(chunksInBin(30, 4));
  const cursor = (await down.client.getCursors('up'))[4]!;
  const ac = new AbortController();
  const run = syncBin({
    client: down.client,
    intervals: down.intervals,
    peer: 'up',
    bin: 4,
    cursor,
    signal: ac.signal,
  });
  await until(() => down.store.cursor(4) === 30n);
  await up.store.putMany(chunksInBin(5, 4));
  await until(() => down.store.cursor(4) === 35n);
  ac.abort();
  await run;
  const iv = await down.intervals.get('up', streamKey(4), 1n);
  assert.deepEqual(iv.ranges(), [[1n, 35n]]);
  assert.equal(down.client.stats.delivered, 35);
});

test('restart after a kill in the middle of a sync re-transfers at most one page', async () => {
  const net = new TestNet();
  nets.push(net);
  const PAGE = 16;
  const up = await net.add('up', { pageLimit: PAGE });
  const down = await net.add('down');
  await up.store.putMany(chunksInBin(200, 0));
  // "kill": abort once about half is transferred; the in-memory db survives like a disk would
  const ac = new AbortController();
  const first = syncBin({
    client: down.client,
    intervals: down.intervals,
    peer: 'up',
    bin: 0,
    cursor: 200n,
    live: false,
    signal: ac.signal,
  });
  await until(() => down.client.stats.delivered >= 90);
  ac.abort();
  await first;
  const before = down.client.stats.delivered;
  const synced = (await down.intervals.get('up', streamKey(0), 1n)).last() ?? 0n;
  assert.ok(BigInt(before) - synced <= BigInt(PAGE), 'at most one page stored beyond the recorded interval');
  // restart: fresh client on the same db
  const again = await net.add('down2', { db: down.db });
  const offeredBefore = up.server.stats.offered;
  await syncBin({
    client: again.client,
    intervals: again.intervals,
    peer: 'up',
    bin: 0,
    cursor: 200n,
    live: false,
  });
  assert.equal(again.store.cursor(0), 200n);
  const resent = up.server.stats.offered - offeredBefore - (200 - Number(synced));
  assert.equal(resent, 0, 'only the unrecorded range is offered again');
  assert.ok(again.client.stats.wanted <= 200 - before + PAGE);
});

test('syncBin retries on connection errors and stops (without throwing) on protocol violations', async () => {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up', { pageLimit: 4 });
  const down = await net.add('down');
  await up.store.putMany(chunksInBin(12, 1));
  let drops = 2;
  net.faults = { up: { closeAfter: 2 } };
  const origDials = net.dials;
  const run = syncBin({
    client: down.client,
    intervals: down.intervals,
    peer: 'up',
    bin: 1,
    cursor: 12n,
    live: false,
    backoffMs: [1],
    onProgress: () => {
      if (--drops <= 0) net.faults = {};
    },
  });
  await until(() => net.dials - origDials >= 3);
  net.faults = {};
  await run;
  assert.equal(down.store.cursor(1), 12n);
  // a peer sending garbage stops the bin sync via onFatal
  await up.store.putMany(chunksInBin(2, 1));
  net.faults = { up: { corrupt: (f) => (f.length > 3 ? f.subarray(0, 3) : f) } };
  let fatal: unknown;
  await syncBin({
    client: down.client,
    intervals: down.intervals,
    peer: 'up',
    bin: 1,
    cursor: 14n,
    live: false,
    onFatal: (e) => {
      fatal = e;
    },
  });
  net.faults = {};
  assert.ok(isMurmurError(fatal), String(fatal));
});

test('syncBin on a virtual clock: each retry comes exactly when the clock passes its backoff, never before', async () => {
  const clock = new VirtualClock();
  const calls: number[] = []; // virtual time of each syncInterval call
  const client = {
    syncInterval: async (_peer: string, _bin: number, _from: bigint, to: bigint) => {
      calls.push(clock.now());
      if (calls.length < 3) throw new Error('connection reset'); // churn: retried
      return { topmost: to };
    },
  } as unknown as PullSyncClient;
  const intervals = new IntervalStore(new MemoryLevel() as never);
  const run = syncBin({
    client,
    intervals,
    peer: 'up',
    bin: 1,
    cursor: 5n,
    live: false,
    backoffMs: [100, 300],
    clock,
  });
  let at = 0;
  for (const [n, delay] of [
    [1, 100],
    [2, 300],
  ] as const) {
    await until(() => calls.length === n && clock.nextAt() === at + delay, {
      what: `failure ${n} and its backoff armed`,
      everyMs: 1,
    });
    await clock.tickAsync(delay - 1);
    assert.equal(calls.length, n, 'no retry before the backoff ends');
    clock.advance(1);
    at += delay;
    await until(() => calls.length === n + 1, { what: `retry ${n}`, everyMs: 1 });
  }
  await run;
  assert.deepEqual(calls, [0, 100, 400]);
  assert.equal((await intervals.get('up', streamKey(1), 1n)).next(5n).empty, true, 'history synced');
});

test('property: the pull-sync decoder throws only stable codes on random and corrupted bytes', () => {
  const codes = new Set([
    'MURMUR_CHUNKS_BAD_MESSAGE',
    'MURMUR_CHUNKS_INVALID_OFFER',
    'MURMUR_CHUNKS_MESSAGE_TOO_LARGE',
  ]);
  const check = (bytes: Uint8Array): void => {
    try {
      decode(bytes);
    } catch (e) {
      assert.ok(isMurmurError(e) && codes.has(e.code), String(e));
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => check(b)),
    { numRuns: 2000 },
  );
  // valid frames with flipped bytes and truncations
  const valid = [
    Uint8Array.from([0x32, 0x06, 0x08, 0x03, 0x10, 0x01, 0x18, 0x05]), // getRange
    Uint8Array.from([0x0a, 0x00]),
  ];
  fc.assert(
    fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), (f, i, x) => {
      const g = f.slice();
      g[i % g.length] = x;
      check(g);
      check(g.subarray(0, i % (g.length + 1)));
    }),
    { numRuns: 1000 },
  );
  assert.throws(
    () => decode(new Uint8Array(128 * 1024 + 1)),
    (e) => isMurmurError(e, 'MURMUR_CHUNKS_MESSAGE_TOO_LARGE'),
  );
});
