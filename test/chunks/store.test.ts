import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { chunkAddress, isValidChunk, makeChunk, spanOf } from '../../src/chunks/chunk.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { chunksInBin, randomChunk } from './helpers.ts';

test('content address is SHA-256 over 8-byte little-endian span || payload', () => {
  const c = makeChunk(new TextEncoder().encode('hello'));
  assert.equal(c.data.length, 13);
  assert.deepEqual([...c.data.subarray(0, 8)], [5, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(Buffer.from(c.address).toString('hex'), Buffer.from(chunkAddress(c.data)).toString('hex'));
  assert.equal(spanOf(c.data), 5n);
  assert.ok(isValidChunk(c.address, c.data));
  const bad = c.data.slice();
  bad[9]! ^= 1;
  assert.ok(!isValidChunk(c.address, bad));
  assert.throws(
    () => makeChunk(new Uint8Array(4097)),
    (e) => isMurmurError(e, 'MURMUR_CHUNKS_BAD_CHUNK'),
  );
});

test('store: per-bin monotonic bin IDs, cursors, dedupe, atomic batches, reopen', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay: new Uint8Array(32) });
  const b0 = chunksInBin(3, 0);
  const b1 = chunksInBin(2, 1);
  const r = await store.putMany([b0[0]!, b1[0]!, b0[1]!, b0[0]!]);
  assert.deepEqual(
    r.map((x) => [x.stored, x.bin, x.binId]),
    [
      [true, 0, 1n],
      [true, 1, 1n],
      [true, 0, 2n],
      [false, 0, 0n],
    ],
  );
  assert.deepEqual((await store.put(b0[1]!)).stored, false, 'an existing chunk keeps its bin ID');
  await Promise.all([store.put(b0[2]!), store.put(b1[1]!)]);
  assert.equal(store.cursor(0), 3n);
  assert.equal(store.cursor(1), 2n);
  assert.ok(Buffer.from((await store.get(b1[1]!.address))!).equals(b1[1]!.data));
  assert.equal(await store.get(randomChunk(10).address), undefined);
  assert.deepEqual(await store.hasMany([b0[0]!.address, randomChunk(1).address]), [true, false]);
  const items = await store.range(0, 2n, 10n, 10);
  assert.deepEqual(
    items.map((i) => i.binId),
    [2n, 3n],
  );
  assert.ok(Buffer.from(items[0]!.address).equals(b0[1]!.address));
  // a bad chunk fails the whole batch
  const forged = { address: b0[0]!.address, data: randomChunk(5).data };
  await assert.rejects(store.putMany([chunksInBin(1, 0)[0]!, forged]), (e) =>
    isMurmurError(e, 'MURMUR_CHUNKS_BAD_CHUNK'),
  );
  assert.equal(store.cursor(0), 3n);
  // reopen: counters come back
  const again = new ChunkStore(db, { overlay: new Uint8Array(32) });
  await again.open();
  assert.deepEqual(again.cursors().slice(0, 3), [3n, 2n, 0n]);
  assert.equal((await again.put(chunksInBin(1, 0)[0]!)).binId, 4n);
  await db.close();
});

test('subscribePull yields history then wakes on live chunks; ends at `to`', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay: new Uint8Array(32) });
  const cs = chunksInBin(5, 2);
  await store.putMany(cs.slice(0, 2));
  const ac = new AbortController();
  const seen: bigint[] = [];
  const done = (async () => {
    for await (const it of store.subscribePull(2, 1n, 4n, { signal: ac.signal })) seen.push(it.binId);
  })();
  // the history is yielded asynchronously: wait for it (no fixed delay), then go live
  for (const end = Date.now() + 60_000; seen.length < 2 && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, [1n, 2n]);
  await store.put(cs[2]!);
  await store.putMany(cs.slice(3));
  await done;
  assert.deepEqual(seen, [1n, 2n, 3n, 4n]);
  const waiting = store.waitForBin(2, 100n, { signal: ac.signal });
  ac.abort();
  await assert.rejects(waiting, (e) => isMurmurError(e, 'MURMUR_ABORTED'));
  assert.equal(await store.waitForBin(2, 100n, { timeoutMs: 1 }), false);
  await db.close();
});
