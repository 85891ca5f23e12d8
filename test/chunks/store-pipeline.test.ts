import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { BIN_COUNT } from '../../src/chunks/constants.ts';
import { ChunkStore, originTag } from '../../src/chunks/store.ts';
import { ORIGIN_TAG_SIZE, parsePullValue, pullValue } from '../../src/chunks/store-types.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { encodeLocation, LOCATION_SIZE } from '../../src/store/segments.ts';
import { randomChunk } from './helpers.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const overlay = new Uint8Array(32);

/** Every pull index entry of every bin, checked dense (bin IDs 1..cursor). */
async function allEntries(store: ChunkStore) {
  const out = [];
  for (let bin = 0; bin < BIN_COUNT; bin++) {
    const items = await store.range(bin, 1n, 2n ** 64n - 1n, 1_000_000);
    assert.deepEqual(
      items.map((i) => i.binId),
      items.map((_, k) => BigInt(k + 1)),
      `bin ${bin} bin IDs dense from 1`,
    );
    assert.equal(store.cursor(bin), BigInt(items.length), `bin ${bin} cursor`);
    out.push(...items);
  }
  return out;
}

test('pipelined group commit: overlapping concurrent writes store each chunk once, dense bin IDs, located pull entries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-chunk-pipe-'));
  dirs.push(dir);
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay, dir, segmentBytes: 256 * 1024 });
  const pool = Array.from({ length: 400 }, (_, i) => randomChunk(100 + (i % 50)));
  // 60 writers of random, overlapping slices of the pool (duplicates within and across writers)
  const writes = Array.from({ length: 60 }, (_, w) => {
    const picks = Array.from({ length: 5 + (w % 17) }, (_, k) => pool[(w * 37 + k * 11) % pool.length]!);
    return store.putMany(picks, { origin: w % 2 === 0 ? originTag(`peer${w}`) : undefined });
  });
  const results = await Promise.all(writes);
  const distinct = new Set(
    results.flatMap((r, w) =>
      r.map((_, k) => Buffer.from(pool[(w * 37 + k * 11) % pool.length]!.address).toString('hex')),
    ),
  );
  const stored = results.flat().filter((r) => r.stored);
  assert.equal(stored.length, distinct.size, 'each distinct chunk stored exactly once');
  const entries = await allEntries(store);
  assert.equal(entries.length, distinct.size);
  assert.ok(
    entries.every((e) => e.location !== undefined),
    'entries written with segment files carry the location',
  );
  const viaLocation = await store.readPulled(entries);
  const viaIndex = await store.getMany(entries.map((e) => e.address));
  for (const [i, e] of entries.entries()) {
    assert.ok(viaLocation[i] !== undefined);
    assert.deepEqual(Buffer.from(viaLocation[i]!), Buffer.from(viaIndex[i]!));
    const c = pool.find((p) => Buffer.from(p.address).equals(Buffer.from(e.address)))!;
    assert.deepEqual(Buffer.from(viaLocation[i]!), Buffer.from(c.data));
  }
  // reopen: the same entries, cursors, and a new write continues each bin's IDs
  await store.close();
  const again = new ChunkStore(db, { overlay, dir, segmentBytes: 256 * 1024 });
  await again.open();
  assert.equal((await allEntries(again)).length, distinct.size);
  const extra = randomChunk(77);
  const [r] = await again.putMany([extra]);
  assert.equal(r!.binId, again.cursor(r!.bin));
  assert.equal(r!.binId, BigInt((await again.range(r!.bin, 1n, r!.binId, 1_000_000)).length));
  await again.close();
  await db.close();
});

test('entries without a location (chunk data in LevelDB values) are read through the index', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay });
  const chunks = Array.from({ length: 20 }, (_, i) => randomChunk(10 + i));
  await store.putMany(chunks, { origin: originTag('p') });
  const entries = await allEntries(store);
  assert.ok(entries.every((e) => e.location === undefined && e.origin !== undefined));
  const datas = await store.readPulled(entries);
  for (const [i, e] of entries.entries()) {
    const c = chunks.find((x) => Buffer.from(x.address).equals(Buffer.from(e.address)))!;
    assert.deepEqual(Buffer.from(datas[i]!), Buffer.from(c.data));
  }
  await db.close();
});

test('pull index values: every combination round-trips; any bytes decode without throwing', () => {
  const address = new Uint8Array(32).map((_, i) => i);
  const origin = new Uint8Array(ORIGIN_TAG_SIZE).fill(9);
  const location = encodeLocation({ segment: 3, offset: 4096, length: 4104 });
  assert.equal(location.length, LOCATION_SIZE);
  for (const o of [undefined, origin]) {
    for (const l of [undefined, location]) {
      const item = parsePullValue(7n, pullValue(address, o, l));
      assert.equal(item.binId, 7n);
      assert.deepEqual([...item.address], [...address]);
      assert.deepEqual(item.origin ? [...item.origin] : undefined, o ? [...o] : undefined);
      assert.deepEqual(item.location, l ? { segment: 3, offset: 4096, length: 4104 } : undefined);
    }
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const item = parsePullValue(1n, bytes);
      assert.deepEqual([...item.address], [...bytes.subarray(0, 32)]);
      if (item.location) assert.ok(bytes.length === 44 || bytes.length === 52);
    }),
    { numRuns: 2000 },
  );
});

test('a group whose existence check started before the previous group committed still stores nothing twice', async () => {
  for (const dir of [undefined, await mkdtemp(join(tmpdir(), 'murmur-chunk-pipe-'))]) {
    if (dir) dirs.push(dir);
    const store = new ChunkStore(new MemoryLevel(), { overlay, ...(dir ? { dir } : {}) });
    await store.open();
    const chunks = Array.from({ length: 8 }, (_, i) => randomChunk(60 + i));
    // the second write overlaps the first by two chunks and is prepared while the first commits
    const [a, b] = await Promise.all([store.putMany(chunks.slice(0, 4)), store.putMany(chunks.slice(2, 8))]);
    assert.deepEqual(
      a.map((r) => r.stored),
      [true, true, true, true],
    );
    assert.deepEqual(
      b.map((r) => r.stored),
      [false, false, true, true, true, true],
    );
    assert.equal((await allEntries(store)).length, 8);
    await store.close();
  }
});

test('a group that left chunks to a group whose commit failed fails too; later writes store them', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay });
  await store.open();
  const chunks = Array.from({ length: 4 }, (_, i) => randomChunk(90 + i));
  // the first commit fails (a storage error) after a while, so the second write is prepared while
  // it is still in flight; later commits succeed
  const batch = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
  let failNext = true;
  (db as unknown as { batch: (...args: unknown[]) => Promise<void> }).batch = async (...args: unknown[]) => {
    if (failNext) {
      failNext = false;
      await new Promise((r) => setTimeout(r, 500));
      throw new Error('disk full');
    }
    return batch(...args);
  };
  const [first, second] = await Promise.allSettled([
    store.putMany(chunks.slice(0, 2)),
    store.putMany(chunks.slice(1, 4)),
  ]);
  assert.ok(first.status === 'rejected' && isMurmurError(first.reason, 'MURMUR_CHUNKS_STORAGE'));
  // the second write found chunk 1 in flight in the first (prepared while that commit was pending):
  // it must not report it stored, so it fails too. (Had the first failed before the second's check,
  // the second would store chunk 1 itself: then everything it reports must be there.)
  if (second.status === 'fulfilled') {
    assert.deepEqual(await store.hasMany(chunks.slice(1).map((c) => c.address)), [true, true, true]);
  } else {
    assert.ok(isMurmurError(second.reason, 'MURMUR_CHUNKS_STORAGE'));
    assert.deepEqual(await store.hasMany(chunks.map((c) => c.address)), [false, false, false, false]);
  }
  const again = await store.putMany(chunks);
  assert.deepEqual(
    again.map((r) => r.stored),
    [true, true, true, true],
  );
  assert.deepEqual(await store.hasMany(chunks.map((c) => c.address)), [true, true, true, true]);
  await db.close();
});
