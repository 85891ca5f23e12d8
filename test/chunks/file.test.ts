import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { type Chunk, hex } from '../../src/chunks/chunk.ts';
import { type ChunkGetter, join, joinToBytes } from '../../src/chunks/file/joiner.ts';
import { split, storeSink } from '../../src/chunks/file/splitter.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { isMurmurError } from '../../src/errors/index.ts';

function mapStore(): {
  chunks: Map<string, Uint8Array>;
  sink: (cs: Chunk[]) => Promise<void>;
  get: ChunkGetter;
} {
  const chunks = new Map<string, Uint8Array>();
  return {
    chunks,
    sink: async (cs) => {
      for (const c of cs) chunks.set(hex(c.address), c.data);
    },
    get: async (a) => chunks.get(hex(a)),
  };
}

/** Feeds `data` in irregular pieces. */
function* pieces(data: Uint8Array, seed = 7): Generator<Uint8Array> {
  let off = 0;
  let s = seed;
  while (off < data.length) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (s % 9000);
    yield data.subarray(off, off + n);
    off += n;
  }
}

const B = 4096;
const sizes = [0, 1, 4095, B, B + 1, 128 * B, 128 * B + 1, 3 * 1024 * 1024 + 17];

test('split then join round-trips every boundary size', async () => {
  for (const size of sizes) {
    const data = new Uint8Array(randomBytes(size));
    const m = mapStore();
    const r = await split(pieces(data), m.sink, { batchSize: 7 });
    assert.equal(r.span, BigInt(size));
    assert.equal(r.chunks, m.chunks.size, `size ${size}: every chunk emitted once`);
    const back = await joinToBytes(m.get, r.root, { concurrency: 5 });
    assert.equal(back.length, size);
    assert.ok(Buffer.from(back).equals(data), `size ${size} round-trips`);
  }
});

test('chunk counts and a deterministic root', async () => {
  const count = async (size: number): Promise<number> => {
    const m = mapStore();
    return (await split([new Uint8Array(size)], m.sink)).chunks;
  };
  assert.equal(await count(0), 1);
  assert.equal(await count(B), 1);
  assert.equal(await count(B + 1), 3); // 2 data + root
  assert.equal(await count(128 * B), 129);
  assert.equal(await count(128 * B + 1), 131); // 129 data + 1 full intermediate + root (last carried)
  const data = new Uint8Array(randomBytes(300_000));
  const a = await split([data], mapStore().sink);
  const b = await split(pieces(data, 3), mapStore().sink);
  assert.equal(hex(a.root), hex(b.root), 'the root depends on the bytes only');
});

test('a corrupted chunk is detected; a missing one is NOT_FOUND; a forged tree is BAD_FILE', async () => {
  const data = new Uint8Array(randomBytes(10 * B + 5));
  const m = mapStore();
  const r = await split([data], m.sink);
  const keys = [...m.chunks.keys()];
  const victim = keys[4]!;
  const orig = m.chunks.get(victim)!;
  const bad = orig.slice();
  bad[100]! ^= 1;
  m.chunks.set(victim, bad);
  await assert.rejects(joinToBytes(m.get, r.root), (e) => isMurmurError(e, 'MURMUR_CHUNKS_BAD_CHUNK'));
  m.chunks.delete(victim);
  await assert.rejects(joinToBytes(m.get, r.root), (e) => isMurmurError(e, 'MURMUR_CHUNKS_NOT_FOUND'));
  m.chunks.set(victim, orig);
  // a valid chunk whose span lies about its children
  const other = mapStore();
  const lie = await split([new Uint8Array(2 * B)], other.sink);
  const rootData = other.chunks.get(hex(lie.root))!.slice();
  new DataView(rootData.buffer).setBigUint64(0, 3n * BigInt(B), true);
  const { makeChunk } = await import('../../src/chunks/chunk.ts');
  const forged = makeChunk(rootData.subarray(8), 3n * BigInt(B));
  other.chunks.set(hex(forged.address), forged.data);
  await assert.rejects(joinToBytes(other.get, forged.address), (e) =>
    isMurmurError(e, 'MURMUR_CHUNKS_BAD_FILE'),
  );
});

test('joiner streams with bounded prefetch, and stores work as sink and getter', async () => {
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay: new Uint8Array(32) });
  const data = new Uint8Array(randomBytes(2 * 1024 * 1024));
  const r = await split(pieces(data), storeSink(store));
  let inFlight = 0;
  let maxInFlight = 0;
  const get: ChunkGetter = async (a) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((res) => setImmediate(res));
    inFlight--;
    return store.get(a);
  };
  const h = createHash('sha256');
  let pulled = 0;
  for await (const part of join(get, r.root, { concurrency: 4 })) {
    h.update(part);
    pulled++;
  }
  assert.equal(pulled, 512);
  assert.ok(maxInFlight <= 5, `prefetch bounded (saw ${maxInFlight})`);
  assert.equal(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
  await db.close();
});

test('property: a joiner fed arbitrary (validly addressed) chunks returns bytes or throws a stable code', async () => {
  const fc = (await import('fast-check')).default;
  const { makeChunk } = await import('../../src/chunks/chunk.ts');
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 300 }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }),
      async (payload, span, extra) => {
        const m = mapStore();
        const root = makeChunk(payload, span);
        await m.sink([root, ...extra.map((e) => makeChunk(e))]);
        try {
          let n = 0;
          for await (const part of join(m.get, root.address)) n += part.length;
          assert.ok(n >= 0);
        } catch (e) {
          assert.ok(isMurmurError(e), String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
});
