import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { hex } from '../../src/chunks/chunk.ts';
import { isRetryable } from '../../src/chunks/pullsync/client.ts';
import { InFlight } from '../../src/chunks/pullsync/inflight.ts';
import { decode, encode } from '../../src/chunks/pullsync/messages.ts';
import { collectPage } from '../../src/chunks/pullsync/server.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { MAX_U64 } from '../../src/streamer/constants.ts';
import { chunksInBin, TestNet } from './helpers.ts';

const nets: TestNet[] = [];
after(async () => {
  for (const n of nets) await n.close();
});
async function pair(opts: { pageLimit?: number } = {}) {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up', opts);
  const down = await net.add('down', opts);
  return { net, up, down };
}

/** Rewrites delivery frames upstream → downstream. */
function onDelivery(
  fn: (address: Uint8Array, data: Uint8Array, n: number) => { address: Uint8Array; data: Uint8Array },
) {
  let n = 0;
  return (frame: Uint8Array): Uint8Array => {
    const body = decode(frame);
    if (body.case !== 'delivery') return frame;
    return encode({ case: 'delivery', value: fn(body.value.address, body.value.data, n++) });
  };
}

test('cursors: the upstream reports the highest bin ID of every bin', async () => {
  const { up, down } = await pair();
  await up.store.putMany([...chunksInBin(3, 0), ...chunksInBin(2, 4)]);
  const cursors = await down.client.getCursors('up');
  assert.equal(cursors.length, 32);
  assert.deepEqual(cursors.slice(0, 6), [3n, 0n, 0n, 0n, 2n, 0n]);
});

test('want all / none / one: only missing chunks are transferred', async () => {
  const { up, down } = await pair();
  const cs = chunksInBin(10, 1);
  await up.store.putMany(cs);
  // all
  let r = await down.client.syncInterval('up', 1, 1n, 10n);
  assert.equal(r.topmost, 10n);
  assert.equal(down.client.stats.wanted, 10);
  assert.equal(down.client.stats.delivered, 10);
  for (const c of cs) assert.ok(await down.store.has(c.address));
  // none: everything already there
  r = await down.client.syncInterval('up', 1, 1n, 10n);
  assert.equal(r.topmost, 10n);
  assert.equal(down.client.stats.wanted, 10);
  assert.equal(up.server.stats.offered, 20);
  // one: a new chunk on the upstream
  const extra = chunksInBin(1, 1)[0]!;
  await up.store.put(extra);
  r = await down.client.syncInterval('up', 1, 1n, 11n);
  assert.equal(r.topmost, 11n);
  assert.equal(down.client.stats.wanted, 11);
  assert.ok(await down.store.has(extra.address));
  assert.equal(down.client.stats.invalid + down.client.stats.unsolicited, 0);
});

test('empty range: topmost = to, no hashes; pages respect the limit', async () => {
  const { up, down } = await pair({ pageLimit: 4 });
  assert.deepEqual(await down.client.syncInterval('up', 3, 0n, 0n).then((r) => r.topmost), 0n);
  await up.store.putMany(chunksInBin(10, 3));
  const first = await down.client.syncInterval('up', 3, 1n, 10n);
  assert.equal(first.topmost, 4n, 'page of 4');
  const second = await down.client.syncInterval('up', 3, 5n, 10n);
  assert.equal(second.topmost, 8n);
  const third = await down.client.syncInterval('up', 3, 9n, 10n);
  assert.equal(third.topmost, 10n);
  assert.equal(down.store.cursor(3), 10n);
});

test('a corrupt chunk in the middle of a page is skipped, counted, penalised; the rest is kept', async () => {
  const { net, up, down } = await pair();
  const cs = chunksInBin(8, 2);
  await up.store.putMany(cs);
  net.faults = {
    up: {
      corrupt: onDelivery((address, data, n) => {
        if (n !== 3) return { address, data };
        const bad = data.slice();
        bad[20]! ^= 0xff;
        return { address, data: bad };
      }),
    },
  };
  const r = await down.client.syncInterval('up', 2, 1n, 8n);
  net.faults = {};
  assert.equal(r.topmost, 8n);
  assert.equal(down.client.stats.invalid, 1);
  assert.deepEqual(down.penalties, ['up']);
  const stored = await down.store.hasMany(cs.map((c) => c.address));
  assert.deepEqual(stored, [true, true, true, false, true, true, true, true]);
  assert.equal(down.client.inflight.size, 0);
  // the skipped chunk is fetched on the next pass
  await down.client.syncInterval('up', 2, 1n, 8n);
  assert.ok(await down.store.has(cs[3]!.address));
});

test('an unsolicited chunk aborts the request with MURMUR_CHUNKS_UNSOLICITED (not retryable)', async () => {
  const { net, up, down } = await pair();
  const cs = chunksInBin(4, 5);
  await up.store.putMany(cs);
  await down.store.put(cs[1]!); // not wanted
  net.faults = {
    up: {
      corrupt: onDelivery((a, d, n) =>
        n === 1 ? { address: cs[1]!.address, data: cs[1]!.data } : { address: a, data: d },
      ),
    },
  };
  const err = await down.client.syncInterval('up', 5, 1n, 4n).catch((e) => e);
  net.faults = {};
  assert.ok(isMurmurError(err, 'MURMUR_CHUNKS_UNSOLICITED'), String(err));
  assert.equal(isRetryable(err), false);
  assert.equal(down.client.stats.unsolicited, 1);
  assert.ok(await down.store.has(cs[0]!.address), 'chunks before the violation are kept');
  assert.equal(down.client.inflight.size, 0);
});

test('a dropped connection mid-page is retryable and keeps what arrived', async () => {
  const { net, up, down } = await pair();
  const cs = chunksInBin(6, 6);
  await up.store.putMany(cs);
  net.faults = { up: { closeAfter: 3 } }; // offer + 2 deliveries
  const err = await down.client.syncInterval('up', 6, 1n, 6n).catch((e) => e);
  net.faults = {};
  assert.ok(isMurmurError(err, 'MURMUR_STREAMER_CLOSED'), String(err));
  assert.ok(isRetryable(err));
  assert.deepEqual(await down.store.hasMany(cs.map((c) => c.address)), [
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
  assert.equal((await down.client.syncInterval('up', 6, 1n, 6n)).topmost, 6n);
  assert.equal(down.store.cursor(6), 6n);
});

test('malformed offers are rejected: bad length, zero address, topmost outside the range', async () => {
  const { net, up, down } = await pair();
  await up.store.putMany(chunksInBin(2, 0));
  const rewrite =
    (hashes: Uint8Array, topmost = 2n) =>
    (frame: Uint8Array) =>
      decode(frame).case === 'offer' ? encode({ case: 'offer', value: { topmost, hashes } }) : frame;
  for (const [corrupt, code] of [
    [rewrite(new Uint8Array(33)), 'MURMUR_CHUNKS_INVALID_OFFER'],
    [rewrite(new Uint8Array(32)), 'MURMUR_CHUNKS_INVALID_OFFER'],
    [rewrite(new Uint8Array(0), 99n), 'MURMUR_CHUNKS_BAD_MESSAGE'],
  ] as const) {
    net.faults = { up: { corrupt } };
    await assert.rejects(down.client.syncInterval('up', 0, 1n, 2n), (e) => isMurmurError(e, code));
  }
  net.faults = {};
});

test('live request waits for new chunks; CancelRuid stops it on the upstream', async () => {
  const { up, down } = await pair();
  await up.store.putMany(chunksInBin(2, 7));
  // live: from after the cursor, open-ended; a new chunk completes it
  const live = down.client.syncInterval('up', 7, 3n, MAX_U64);
  await new Promise((r) => setTimeout(r, 10));
  await up.store.put(chunksInBin(1, 7)[0]!);
  assert.equal((await live).topmost, 3n);
  // cancel
  const ruid = 4242;
  const pending = down.client.syncInterval('up', 7, 4n, MAX_U64, { ruid }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(up.server.running('down'), [ruid]);
  await down.client.cancelRuid('up', ruid);
  const err = await pending;
  assert.ok(isMurmurError(err, 'MURMUR_STREAMER_CLOSED'), String(err));
  assert.equal(up.server.stats.cancelled, 1);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(up.server.running('down'), []);
  // aborting the downstream also ends the upstream's waiting handler
  const ac = new AbortController();
  const aborted = down.client.syncInterval('up', 7, 4n, MAX_U64, { signal: ac.signal }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  assert.ok(isMurmurError(await aborted, 'MURMUR_ABORTED'));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(up.server.running('down'), []);
});

test('duplicate ruid is counted and refused', async () => {
  const { up, down } = await pair();
  const a = down.client.syncInterval('up', 9, 1n, MAX_U64, { ruid: 7 }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 10));
  const b = await down.client.syncInterval('up', 9, 1n, MAX_U64, { ruid: 7 }).catch((e) => e);
  assert.ok(isMurmurError(b, 'MURMUR_STREAMER_CLOSED'));
  assert.equal(up.server.stats.duplicateRuids, 1);
  await down.client.cancelRuid('up', 7);
  await a;
});

test('one transfer per chunk when two peers offer it; retried elsewhere only if the first fails', async () => {
  const net = new TestNet();
  nets.push(net);
  const inflight = new InFlight();
  const a = await net.add('a');
  const b = await net.add('b');
  const d = await net.add('d', { inflight });
  const cs = chunksInBin(12, 0);
  await a.store.putMany(cs);
  await b.store.putMany(cs);
  await Promise.all([d.client.syncInterval('a', 0, 1n, 12n), d.client.syncInterval('b', 0, 1n, 12n)]);
  assert.equal(d.client.stats.delivered, 12, 'each chunk transferred once');
  assert.equal(a.server.stats.offered + b.server.stats.offered, 24);
  // now the first fetch fails: the other syncer must not record its range as done
  const fresh = chunksInBin(3, 1);
  await a.store.putMany(fresh);
  await b.store.putMany(fresh);
  const claimedElsewhere = inflight.claim(fresh[0]!.address);
  assert.ok(claimedElsewhere);
  const waiting = d.client.syncInterval('b', 1, 1n, 3n).catch((e) => e);
  await new Promise((r) => setTimeout(r, 10));
  inflight.release(fresh[0]!.address, false);
  const err = await waiting;
  assert.ok(isMurmurError(err, 'MURMUR_CHUNKS_IN_FLIGHT_FAILED'), String(err));
  assert.ok(isRetryable(err));
  assert.equal((await d.client.syncInterval('b', 1, 1n, 3n)).topmost, 3n);
  assert.ok(await d.store.has(fresh[0]!.address));
  assert.equal(hex(fresh[0]!.address).length, 64);
});

test('collectPage: bin IDs up to the cursor that were evicted count as scanned (the page ends, nothing spins)', async () => {
  // 72-byte chunks; capacity 3000: the 20 chunks of bin 0 and 3 of bin 1 are evicted
  const store = new ChunkStore(new MemoryLevel(), { overlay: new Uint8Array(32), capacityBytes: 3000 });
  await store.open();
  await store.putMany(chunksInBin(20, 2));
  await store.putMany(chunksInBin(20, 1));
  await store.putMany(chunksInBin(20, 0));
  await store.idle();
  assert.equal(store.cursor(0), 20n);
  assert.deepEqual(await store.range(0, 1n, 20n, 100), [], 'bin 0 evicted whole');
  // live page from 1: everything up to the cursor is gone; the page ends after its wait with
  // topmost = the cursor (recorded as synced), instead of re-reading an empty range forever
  const live = await collectPage(store, 0, 1n, MAX_U64, { limit: 100, waitMs: 20 });
  assert.deepEqual(live, { items: [], topmost: 20n });
  // a page that starts in an evicted stretch carries on past it
  const mixed = await collectPage(store, 1, 1n, MAX_U64, { limit: 100, waitMs: 20 });
  assert.deepEqual(
    mixed.items.map((i) => i.binId),
    Array.from({ length: 17 }, (_, i) => BigInt(i + 4)),
  );
  assert.equal(mixed.topmost, 20n);
  // a new chunk after the evicted stretch is offered by the next live page
  const next = collectPage(store, 0, 21n, MAX_U64, { limit: 100, waitMs: 20 });
  await store.putMany(chunksInBin(1, 0));
  const page = await next;
  assert.deepEqual(
    page.items.map((i) => i.binId),
    [21n],
  );
  await store.close();
});
