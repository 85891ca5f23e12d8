import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { type Chunk, hex, isValidChunk, makeChunk } from '../../src/chunks/chunk.ts';
import { joinToBytes } from '../../src/chunks/file/joiner.ts';
import { split, storeSink } from '../../src/chunks/file/splitter.ts';
import {
  decodeCount,
  decodePinCount,
  decodePinRoot,
  decodeUsage,
  encodePinCount,
  encodePinRoot,
  encodeUsage,
} from '../../src/chunks/gc/codec.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { parseSizeSetting } from '../../src/service/settings.ts';
import { chunksInBin } from './helpers.ts';

const overlay = new Uint8Array(32);

/** Every chunk the pull index holds, with its data, and the exact totals. */
async function contents(store: ChunkStore): Promise<{ bytes: number; chunks: number; keys: Set<string> }> {
  let bytes = 0;
  const keys = new Set<string>();
  for (let bin = 0; bin < 32; bin++) {
    const items = await store.range(bin, 1n, store.cursor(bin), 1_000_000);
    const datas = await store.getMany(items.map((i) => i.address));
    for (const [i, d] of datas.entries()) {
      assert.ok(d && isValidChunk(items[i]!.address, d), 'indexed chunk intact');
      bytes += d.length;
      keys.add(hex(items[i]!.address));
    }
  }
  return { bytes, chunks: keys.size, keys };
}

async function putFile(store: ChunkStore, bytes: Uint8Array): Promise<Uint8Array> {
  return (await split([bytes], storeSink(store))).root;
}

test('eviction: over capacity the farthest bin goes first, oldest first, down to 90 %', async () => {
  const db = new MemoryLevel();
  // 72-byte chunks (8 span + 64); capacity for 41, low water 2700 bytes = 37 chunks
  const store = new ChunkStore(db, { overlay, capacityBytes: 3000 });
  await store.open();
  const b2 = chunksInBin(20, 2);
  const b1 = chunksInBin(20, 1);
  const b0 = chunksInBin(20, 0);
  await store.putMany(b2);
  await store.putMany(b1);
  await store.idle();
  assert.equal(store.gcStats().evictedChunks, 0, 'under capacity: nothing evicted');
  await store.putMany(b0); // newest, but farthest
  await store.idle();
  const u = store.usage();
  assert.equal(u.chunks, 37);
  assert.equal(u.bytes, 37 * 72);
  assert.ok(u.bytes <= 2700);
  assert.equal(store.gcStats().evictedChunks, 23);
  assert.deepEqual(
    await store.hasMany(b0.map((c) => c.address)),
    b0.map(() => false),
    'bin 0 gone, newest entry included',
  );
  assert.deepEqual(
    await store.hasMany(b1.map((c) => c.address)),
    b1.map((_, i) => i >= 3),
    'the 3 oldest of bin 1 gone',
  );
  assert.deepEqual(
    await store.hasMany(b2.map((c) => c.address)),
    b2.map(() => true),
    'bin 2 kept',
  );
  assert.deepEqual(
    (await store.range(0, 1n, 100n, 100)).map((i) => i.binId),
    [],
    'evicted ones not offered by pull-sync any more',
  );
  assert.equal((await store.range(1, 1n, 100n, 100))[0]?.binId, 4n);
  // evicted, then delivered again: stored again with a new bin ID
  const again = await store.put(b0[0]!);
  assert.ok(again.stored);
  assert.equal(again.binId, 21n);
  const c = await contents(store);
  assert.equal(store.usage().bytes, c.bytes);
  assert.equal(store.usage().chunks, c.chunks);
  await store.close();
});

test('pins: a pinned file survives eviction; shared chunks stay pinned after one of two files is unpinned', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay, capacityBytes: 64 * 1024 });
  await store.open();
  const shared = randomBytes(3 * 4096);
  const a = new Uint8Array(Buffer.concat([shared, randomBytes(5000)]));
  const b = new Uint8Array(Buffer.concat([shared, randomBytes(7000)]));
  const rootA = await putFile(store, a);
  const rootB = await putFile(store, b);
  const pa = await store.pin(rootA);
  const pb = await store.pin(rootB);
  assert.equal(pa.chunks, 6); // 5 data chunks + root
  assert.equal(pb.chunks, 6);
  assert.deepEqual(await store.pin(rootA), pa, 'pinning again changes nothing');
  assert.equal(store.usage().pinnedChunks, 9, '3 shared data chunks counted once');
  assert.deepEqual((await store.pins()).map((p) => p.root).sort(), [hex(rootA), hex(rootB)].sort());
  // fill far past the capacity with unpinned chunks
  for (let i = 0; i < 8; i++) await store.putMany(Array.from({ length: 8 }, () => chunk4k()));
  await store.idle();
  assert.ok(store.usage().bytes <= 64 * 1024 * 0.9);
  assert.deepEqual(await joinToBytes((x) => store.get(x), rootA), a);
  assert.deepEqual(await joinToBytes((x) => store.get(x), rootB), b);

  await store.unpin(rootA);
  await assert.rejects(store.unpin(rootA), (e) => isMurmurError(e, 'MURMUR_CHUNKS_NOT_PINNED'));
  assert.equal(store.usage().pinnedChunks, 6);
  for (let i = 0; i < 8; i++) await store.putMany(Array.from({ length: 8 }, () => chunk4k()));
  await store.idle();
  assert.deepEqual(await joinToBytes((x) => store.get(x), rootB), b, 'B intact, shared chunks included');
  // A's own chunks (its root, its last data chunk) were evictable: with the store this full, some went
  const aOnly = [rootA];
  assert.deepEqual(await store.hasMany(aOnly), [false], "A's root evicted once unpinned");
  assert.deepEqual(
    (await store.pins()).map((p) => p.root),
    [hex(rootB)],
  );
  const c = await contents(store);
  assert.equal(store.usage().bytes, c.bytes);
  await store.close();
});

const chunk4k = (): Chunk => makeChunk(new Uint8Array(randomBytes(4096)));

test('pinning a root whose chunks are missing fails with MURMUR_CHUNKS_PIN_MISSING naming them; fetch fills them', async () => {
  const src = new ChunkStore(new MemoryLevel(), { overlay });
  await src.open();
  const data = randomBytes(20_000);
  const root = await putFile(src, data);
  const store = new ChunkStore(new MemoryLevel(), { overlay });
  await store.open();
  await assert.rejects(store.pin(root), (e) => {
    assert.ok(isMurmurError(e, 'MURMUR_CHUNKS_PIN_MISSING'));
    assert.deepEqual((e.details as { missing: string[] }).missing, [hex(root)]);
    return true;
  });
  // only the root here: the walk names the data chunks it cannot find
  await store.put({ address: root, data: (await src.get(root))! });
  await assert.rejects(store.pin(root), (e) => {
    assert.ok(isMurmurError(e, 'MURMUR_CHUNKS_PIN_MISSING'));
    assert.equal((e.details as { count: number }).count, 5);
    return true;
  });
  assert.deepEqual(await store.pins(), []);
  const fetch = async (a: Uint8Array): Promise<Uint8Array | undefined> => {
    const d = await src.get(a);
    if (d) await store.put({ address: a, data: d });
    return d;
  };
  const info = await store.pin(root, { fetch });
  assert.equal(info.chunks, 6);
  assert.deepEqual(await joinToBytes((x) => store.get(x), root), new Uint8Array(data));
  await store.close();
  await src.close();
});

test('counters: exact after a reopen, counted again when the record is missing', async () => {
  const db = new MemoryLevel();
  let store = new ChunkStore(db, { overlay, capacityBytes: 40 * 1024 });
  await store.open();
  const root = await putFile(store, randomBytes(9000));
  await store.pin(root);
  for (let i = 0; i < 4; i++) await store.putMany(Array.from({ length: 5 }, () => chunk4k()));
  await store.idle();
  const before = store.usage();
  const c = await contents(store);
  assert.equal(before.bytes, c.bytes);
  assert.equal(before.chunks, c.chunks);
  assert.equal(before.pinnedChunks, 4);
  await store.close();
  store = new ChunkStore(db, { overlay, capacityBytes: 40 * 1024 });
  await store.open();
  assert.deepEqual(store.usage(), before);
  await store.close();
  await db.sublevel('chunks').sublevel('m', { valueEncoding: 'utf8' }).del('usage');
  store = new ChunkStore(db, { overlay, capacityBytes: 40 * 1024 });
  await store.open();
  assert.deepEqual(store.usage(), before, 'recount gives the same numbers');
  await store.close();
});

test('over capacity with everything pinned: puts keep succeeding, reported over capacity', async () => {
  const store = new ChunkStore(new MemoryLevel(), { overlay, capacityBytes: 8 * 1024 });
  await store.open();
  const data = randomBytes(30_000);
  // a user's upload is held until pinned (as the service does): nothing of it evicted meanwhile
  const releases: (() => void)[] = [];
  const { root } = await split([data], async (chunks) => {
    releases.push(store.hold(chunks.map((c) => c.address)));
    await store.putMany(chunks);
  });
  await store.pin(root);
  for (const r of releases) r();
  await store.idle({ kick: true });
  assert.ok(store.usage().bytes > 8 * 1024);
  assert.equal(store.usage().overCapacity, true);
  const more = Array.from({ length: 4 }, () => chunk4k());
  const r = await store.putMany(more);
  assert.ok(r.every((x) => x.stored));
  await store.idle();
  assert.deepEqual(await joinToBytes((x) => store.get(x), root), new Uint8Array(data));
  assert.equal(store.usage().overCapacity, true);
  await store.unpin(root);
  await store.idle();
  // nothing pinned any more: evicted down to the low-water mark (90 % of 8 KiB)
  assert.equal(store.usage().overCapacity, false);
  assert.ok(store.usage().bytes <= 8 * 1024 * 0.9, `evicted to low water (${store.usage().bytes} bytes)`);
  await store.close();
});

test('held chunks (an upload in progress) are not evicted', async () => {
  const store = new ChunkStore(new MemoryLevel(), { overlay, capacityBytes: 8 * 1024 });
  await store.open();
  const mine = Array.from({ length: 4 }, () => chunk4k());
  const release = store.hold(mine.map((c) => c.address));
  await store.putMany(mine);
  await store.idle();
  assert.deepEqual(await store.hasMany(mine.map((c) => c.address)), [true, true, true, true]);
  release();
  await store.putMany([chunk4k()]);
  await store.idle();
  assert.ok(store.usage().bytes <= 8 * 1024 * 0.9, `evicted to low water (${store.usage().bytes} bytes)`);
  await store.close();
});

test('codec: usage, counts, pin records take any bytes (a result or MURMUR_CHUNKS_STORAGE)', () => {
  const u = fc.record({
    bytes: fc.nat(),
    chunks: fc.nat(),
    pinnedChunks: fc.nat(),
    pinnedBytes: fc.nat(),
  });
  fc.assert(fc.property(u, (x) => assert.deepEqual(decodeUsage(encodeUsage(x)), { ...x })));
  fc.assert(
    fc.property(fc.string(), (s) => {
      const r = decodeUsage(s);
      if (r) assert.ok(Object.values(r).every(Number.isSafeInteger));
      const n = decodeCount(s);
      assert.ok(Number.isSafeInteger(n) && n >= 0);
    }),
  );
  fc.assert(
    fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (count, length) =>
      assert.deepEqual(decodePinCount(encodePinCount({ count, length })), { count, length }),
    ),
  );
  fc.assert(
    fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat(), (chunks, bytes) =>
      assert.deepEqual(decodePinRoot(encodePinRoot({ chunks, bytes })), { chunks, bytes }),
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      for (const decode of [decodePinCount, decodePinRoot]) {
        try {
          decode(b);
        } catch (e) {
          assert.ok(isMurmurError(e, 'MURMUR_CHUNKS_STORAGE'));
        }
      }
    }),
  );
});

test('size setting: plain bytes and units; anything else MURMUR_CONFIG_INVALID', () => {
  assert.equal(parseSizeSetting('1MiB', 'x'), 1024 * 1024);
  assert.equal(parseSizeSetting('16GiB', 'x'), 2 ** 34);
  assert.equal(parseSizeSetting('512mb', 'x'), 512e6);
  assert.equal(parseSizeSetting('1.5KiB', 'x'), 1536);
  assert.equal(parseSizeSetting(' 4096 ', 'x'), 4096);
  assert.equal(parseSizeSetting(0, 'x'), 0);
  for (const bad of ['', '-1', '1.5', '12XB', 'MiB', '1e9', '99999999999TiB']) {
    assert.throws(
      () => parseSizeSetting(bad, 'x'),
      (e) => isMurmurError(e, 'MURMUR_CONFIG_INVALID'),
      bad,
    );
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 24 }), (s) => {
      try {
        const n = parseSizeSetting(s, 'x');
        assert.ok(Number.isSafeInteger(n) && n >= 0);
      } catch (e) {
        assert.ok(isMurmurError(e, 'MURMUR_CONFIG_INVALID'));
      }
    }),
  );
});
