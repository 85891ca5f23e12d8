import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { isValidChunk } from '../../src/chunks/chunk.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { decodeLocation, encodeLocation } from '../../src/store/segments.ts';
import { randomChunk } from './helpers.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'murmur-chunk-seg-'));
  dirs.push(d);
  return d;
}
const overlay = new Uint8Array(32);

async function sizes(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of (await readdir(dir)).sort()) out[n] = (await stat(join(dir, n))).size;
  return out;
}

test('segments: data in files, locations in LevelDB, rolled, read back after reopen', async () => {
  const dir = await tmp();
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay, dir, segmentBytes: 20_000 });
  await store.open();
  assert.ok(store.segmented);
  const chunks = Array.from({ length: 20 }, () => randomChunk());
  for (let i = 0; i < chunks.length; i += 4) await store.putMany(chunks.slice(i, i + 4));
  assert.deepEqual(
    (await store.putMany(chunks.slice(0, 2))).map((r) => r.stored),
    [false, false],
    'already stored: nothing appended',
  );
  const files = await sizes(dir);
  assert.ok(Object.keys(files).length > 1, 'segments rolled');
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  assert.equal(
    total,
    chunks.reduce((a, c) => a + c.data.length, 0),
    'each chunk written once',
  );
  for (const n of Object.values(files)) assert.ok(n <= 20_000);
  const vals = await db.sublevel('chunks').sublevel('c', { valueEncoding: 'view' }).values().all();
  assert.ok(
    vals.every((v) => v.length === 12),
    'LevelDB holds 12-byte locations only',
  );
  await store.close();

  const again = new ChunkStore(db, { overlay, dir, segmentBytes: 20_000 });
  const got = await again.getMany(chunks.map((c) => c.address));
  for (const [i, d] of got.entries()) assert.ok(d && isValidChunk(chunks[i]!.address, d));
  assert.equal(await again.get(randomChunk().address), undefined);
  const more = randomChunk();
  await again.put(more);
  assert.ok(isValidChunk(more.address, (await again.get(more.address))!));
  await again.close();
});

test('segments: a torn tail and an uncommitted later segment are cut at open', async () => {
  const dir = await tmp();
  const db = new MemoryLevel();
  const store = new ChunkStore(db, { overlay, dir });
  const a = [randomChunk(), randomChunk()];
  await store.putMany(a);
  await store.close();
  const before = await sizes(dir);
  // a crash after the append, before the index batch: bytes past the committed end
  await appendFile(join(dir, '00000000.seg'), new Uint8Array(5000).fill(7));
  await writeFile(join(dir, '00000001.seg'), new Uint8Array(100));
  const again = new ChunkStore(db, { overlay, dir });
  await again.open();
  assert.deepEqual(await sizes(dir), before);
  const b = randomChunk();
  await again.put(b);
  for (const c of [...a, b]) assert.ok(isValidChunk(c.address, (await again.get(c.address))!));
  await again.close();
});

test('segments: layout is fixed at the first open', async () => {
  const db = new MemoryLevel();
  const old = new ChunkStore(db, { overlay });
  const c = randomChunk();
  await old.put(c);
  // a store with data values keeps them even when given a folder
  const dir = await tmp();
  const withDir = new ChunkStore(db, { overlay, dir });
  await withDir.open();
  assert.equal(withDir.segmented, false);
  assert.ok(isValidChunk(c.address, (await withDir.get(c.address))!));

  const db2 = new MemoryLevel();
  const seg = new ChunkStore(db2, { overlay, dir: await tmp() });
  await seg.put(c);
  await seg.close();
  await assert.rejects(new ChunkStore(db2, { overlay }).open(), (e) =>
    isMurmurError(e, 'MURMUR_CHUNKS_STORAGE'),
  );
});

test('segments: location decoder takes any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const l = decodeLocation(b);
      if (b.length !== 12) assert.equal(l, undefined);
      else assert.deepEqual(encodeLocation(l!), Buffer.from(b));
    }),
  );
});

const CHILD = `
import { ClassicLevel } from 'classic-level';
import { ChunkStore } from ${JSON.stringify(resolve('src/chunks/store.ts'))};
import { randomChunk } from ${JSON.stringify(resolve('test/chunks/helpers.ts'))};
const [dbDir, segDir] = process.argv.slice(-2);
const db = new ClassicLevel(dbDir, { valueEncoding: 'view' });
const store = new ChunkStore(db, { overlay: new Uint8Array(32), dir: segDir, segmentBytes: 300000 });
await store.open();
let n = 0;
for (;;) {
  await store.putMany(Array.from({ length: 16 }, () => randomChunk()));
  n += 16;
  if (n === 160) process.stdout.write('go\\n');
}
`;

test('segments: kill -9 while writing leaves every indexed chunk readable', async () => {
  const base = await tmp();
  const dbDir = join(base, 'db');
  const segDir = join(base, 'chunks');
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dbDir, segDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', () => res());
    child.on('exit', (code) => rej(new Error(`child exited ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));

  const db = new ClassicLevel(dbDir, { valueEncoding: 'view' });
  const store = new ChunkStore(db, { overlay, dir: segDir, segmentBytes: 300_000 });
  await store.open();
  let n = 0;
  for (let bin = 0; bin < 32; bin++) {
    const items = await store.range(bin, 1n, store.cursor(bin), 1_000_000);
    assert.equal(items.length, Number(store.cursor(bin)), 'bin IDs dense');
    const data = await store.getMany(items.map((i) => i.address));
    for (const [i, d] of data.entries()) {
      assert.ok(d && isValidChunk(items[i]!.address, d), 'indexed chunk intact');
    }
    n += items.length;
  }
  assert.ok(n >= 160);
  const c = randomChunk();
  await store.put(c);
  assert.ok(isValidChunk(c.address, (await store.get(c.address))!));
  await store.close();
  await db.close();
});

test('concurrent writes are grouped: each keeps its results, bin IDs stay dense, a bad one fails alone', async () => {
  for (const dir of [undefined, await tmp()]) {
    const store = new ChunkStore(new MemoryLevel(), { overlay, ...(dir ? { dir } : {}) });
    await store.open();
    const chunks = Array.from({ length: 40 }, () => randomChunk(64));
    const bad = { ...randomChunk(64), address: randomChunk(64).address };
    const calls = [
      ...Array.from({ length: 10 }, (_, i) => store.putMany(chunks.slice(i * 4, i * 4 + 6))),
      store.putMany([chunks[0]!, bad]),
    ];
    const settled = await Promise.allSettled(calls);
    const last = settled.pop()!;
    assert.ok(last.status === 'rejected' && isMurmurError(last.reason, 'MURMUR_CHUNKS_BAD_CHUNK'));
    const stored = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])).filter((r) => r.stored);
    assert.equal(stored.length, 40, 'every chunk stored once');
    const ids = stored.map((r) => `${r.bin}/${r.binId}`);
    assert.equal(new Set(ids).size, 40);
    let n = 0;
    for (const c of store.cursors()) n += Number(c);
    assert.equal(n, 40, 'bin IDs dense');
    for (const c of chunks) assert.ok(isValidChunk(c.address, (await store.get(c.address))!));
    await store.close();
  }
});

test('segments: readPulled into a caller buffer returns views of it, falls back when it is full', async () => {
  const dir = await tmp();
  // small segments: one merged read per segment (up to 4 chunks)
  const store = new ChunkStore(new MemoryLevel(), { overlay, dir, segmentBytes: 20_000 });
  await store.open();
  const chunks = Array.from({ length: 40 }, () => randomChunk());
  for (let i = 0; i < chunks.length; i += 4) await store.putMany(chunks.slice(i, i + 4));
  const items = [];
  for (let bin = 0; bin < 32; bin++) items.push(...(await store.range(bin, 1n, 1000n, 1000)));
  assert.equal(items.length, 40);
  // room for a few chunks only: the first merged reads land in `into`, the rest get their own
  const into = new Uint8Array(3 * 4 * 4200);
  const datas = await store.readPulled(items, { into });
  let inside = 0;
  for (const [i, d] of datas.entries()) {
    assert.ok(d);
    assert.ok(isValidChunk(items[i]!.address, d), `chunk ${i} intact`);
    if (d.buffer === into.buffer) inside++;
  }
  assert.ok(inside > 0 && inside < datas.length, `${inside} of ${datas.length} read into the buffer`);
  // reused at once for the next read: the earlier views now show the new bytes, fresh reads stay right
  const again = await store.readPulled(items.slice().reverse(), { into });
  for (const [i, d] of again.entries()) assert.ok(isValidChunk(items[items.length - 1 - i]!.address, d!));
  await store.close();
});
