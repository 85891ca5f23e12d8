import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { decodeBound, FileChunkLog, frameRecords, splitChunk } from '../../src/journals/chunk-log.ts';
import { decodeItem, encodeSegmentItem } from '../../src/journals/event.ts';
import { formatJournalId } from '../../src/journals/id.ts';
import { Journals } from '../../src/journals/journals.ts';
import { generateWriter, type Writer } from '../../src/journals/keys.ts';
import { FailStop } from '../../src/store/fail-stop.ts';
import { hex, payloads } from './helpers.ts';

type Db = ClassicLevel<string, Uint8Array>;

async function openOnDisk(dir: string, writer?: Writer): Promise<{ j: Journals; db: Db }> {
  const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { valueEncoding: 'view' });
  const j = new Journals({ db, dir: join(dir, 'logs'), ...(writer ? { writer } : {}) });
  await j.start();
  return { j, db };
}

async function close(o: { j: Journals; db: Db }): Promise<void> {
  await o.j.stop(); // resolves once the log files are closed
  await o.db.close();
}

const hashes = async (j: Journals, id: string, from = 1): Promise<string[]> =>
  (await j.read(id, { from, to: 1e9, limit: 1e6 })).events.map((e) => hex(e.hash));

test('file log: records live in <dir>/<writer>.<name>.log, LevelDB keeps the index; survives a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  const writer = generateWriter();
  try {
    let o = await openOnDisk(dir, writer);
    const id = (await o.j.create('orders')).id;
    await o.j.appendBatch(id, payloads(3000, 100));
    await o.j.append(id, { e: 'one' });
    const before = await hashes(o.j, id);
    const file = new FileChunkLog(join(dir, 'logs')).path(id);
    assert.ok(statSync(file).size > 3000 * 100);
    // no event record is a LevelDB value: only meta and index entries (48 bytes each)
    const values = await o.db
      .sublevel<string, Uint8Array>('journals', { valueEncoding: 'view' })
      .values()
      .all();
    assert.ok(values.every((v) => v.length < 200));
    await close(o);
    o = await openOnDisk(dir, writer);
    assert.equal(o.j.info(id).head, 3001);
    assert.deepEqual(await hashes(o.j, id), before);
    const mid = await o.j.read(id, { from: 1500, to: 1502 });
    assert.deepEqual(
      mid.events.map((e) => e.seq),
      [1500, 1501, 1502],
    );
    await o.j.append(id, { e: 'after reopen' });
    assert.equal((await hashes(o.j, id)).length, 3002);
    await close(o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('torn tail: bytes written after the last indexed chunk (crash before the index) are cut at open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  const writer = generateWriter();
  try {
    let o = await openOnDisk(dir, writer);
    const id = (await o.j.create('t')).id;
    await o.j.appendBatch(id, payloads(500, 64));
    const before = await hashes(o.j, id);
    await close(o);
    const file = new FileChunkLog(join(dir, 'logs')).path(id);
    const size = statSync(file).size;
    appendFileSync(file, Buffer.from([0x0a, 0xff, 0xff, 0x03, 1, 2, 3])); // half a record
    o = await openOnDisk(dir, writer);
    assert.equal(statSync(file).size, size);
    assert.equal(o.j.info(id).head, 500);
    assert.deepEqual(await hashes(o.j, id), before);
    await o.j.appendBatch(id, payloads(10, 64, 'y'));
    const after = await hashes(o.j, id);
    assert.equal(after.length, 510);
    assert.deepEqual(after.slice(0, 500), before);
    await close(o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log shorter than its index rolls the head back to the last complete chunk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  const writer = generateWriter();
  try {
    let o = await openOnDisk(dir, writer);
    const id = (await o.j.create('t')).id;
    await o.j.appendBatch(id, payloads(100, 64));
    const size1 = statSync(new FileChunkLog(join(dir, 'logs')).path(id)).size;
    await o.j.appendBatch(id, payloads(100, 64, 'z'));
    const before = await hashes(o.j, id);
    await close(o);
    truncateSync(new FileChunkLog(join(dir, 'logs')).path(id), size1 + 10);
    o = await openOnDisk(dir, writer);
    assert.equal(o.j.info(id).head, 100);
    assert.deepEqual(await hashes(o.j, id), before.slice(0, 100));
    await close(o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follower on a file log: stored chunks are served as items byte-identical to encoded segments; compaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  const writer = generateWriter();
  try {
    const a = await openOnDisk(join(dir, 'a'), writer);
    const id = (await a.j.create('s')).id;
    await a.j.appendBatch(id, payloads(2000, 300));
    let b = await openOnDisk(join(dir, 'b'));
    await b.j.store.ensure(id);
    const segs = await a.j.store.segments(id, 1, 1e9, 1000, Number.POSITIVE_INFINITY);
    for (const s of segs) assert.equal(hex(s.item), hex(encodeSegmentItem(s.records)));
    const decoded = segs.map((s) => {
      const item = decodeItem(s.item);
      assert.equal(item.type, 'segment');
      return item.type === 'segment' ? item.events : [];
    });
    // the first half one by one (with a duplicate), the rest as one write
    const half = Math.floor(decoded.length / 2);
    for (const ev of decoded.slice(0, half)) await b.j.store.applySegment(id, ev);
    assert.equal(await b.j.store.applySegment(id, decoded[0]!), 0);
    assert.equal(
      await b.j.store.applySegments(id, decoded.slice(half - 1)),
      2000 - decoded[half - 1]!.at(-1)!.seq,
    );
    assert.deepEqual(await hashes(b.j, id), await hashes(a.j, id));
    // a segment from the middle of a stored chunk
    const mid = await a.j.store.segments(id, 7, 1e9, 1, Number.POSITIVE_INFINITY);
    const midItem = decodeItem(mid[0]!.item);
    assert.equal(midItem.type === 'segment' ? midItem.events[0]?.seq : 0, 7);
    await close(b);
    b = await openOnDisk(join(dir, 'b'));
    assert.deepEqual(await hashes(b.j, id), await hashes(a.j, id));
    // snapshot + compaction on the writer: reads start after upTo, the rest is intact
    await a.j.snapshot(id, { upTo: 1234, state: new Uint8Array([1]) });
    assert.equal(a.j.info(id).first, 1235);
    const rest = await a.j.read(id, { from: 1, to: 1e9, limit: 1e6 });
    assert.equal(rest.events[0]?.seq, 1235);
    assert.equal(rest.events.length, 2000 - 1234);
    await close(a);
    await close(b);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: chunk and index decoders throw only MURMUR_JOURNAL_BAD_MESSAGE', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const f of [() => splitChunk(bytes), () => decodeBound(1, bytes)]) {
        try {
          f();
        } catch (err) {
          if (!isMurmurError(err, 'MURMUR_JOURNAL_BAD_MESSAGE')) throw err;
        }
      }
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (recs) => {
      const { records } = splitChunk(frameRecords(recs));
      assert.deepEqual(records.map(hex), recs.map(hex));
    }),
  );
});

test('compaction rewrites the log file without the dropped chunks (logical offsets kept), across a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  const writer = generateWriter();
  try {
    let o = await openOnDisk(dir, writer);
    const id = (await o.j.create('c')).id;
    await o.j.appendBatch(id, payloads(5000, 1000));
    const file = new FileChunkLog(join(dir, 'logs')).path(id);
    const full = statSync(file).size;
    const before = await hashes(o.j, id, 4001);
    await o.j.snapshot(id, { upTo: 4000, state: new Uint8Array([4]) });
    assert.ok(statSync(file).size < full / 3, `${statSync(file).size} of ${full}`);
    assert.deepEqual(await hashes(o.j, id, 1), before);
    await o.j.appendBatch(id, payloads(10, 1000, 'n'));
    await close(o);
    o = await openOnDisk(dir, writer);
    const after = await hashes(o.j, id, 1);
    assert.equal(after.length, 1010);
    assert.deepEqual(after.slice(0, 1000), before);
    assert.equal(o.j.info(id).head, 5010);
    await close(o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileChunkLog: positions are logical; dropBefore keeps the tail readable and appendable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  try {
    const id = `${'ab'.repeat(32)}/x`;
    let log = new FileChunkLog(dir, { reclaimMinBytes: 10 });
    assert.equal(await log.open(id, 0), 0);
    const a = await log.append(id, new Uint8Array(100).fill(1));
    const b = await log.append(id, new Uint8Array(50).fill(2));
    assert.deepEqual([a.offset, b.offset], [0, 100]);
    await log.dropBefore(id, 100);
    assert.equal(await log.read(id, 0, 10), undefined);
    assert.deepEqual([...(await log.read(id, 100, 50))!], new Array(50).fill(2));
    const c = await log.append(id, new Uint8Array(5).fill(3));
    assert.equal(c.offset, 150);
    await log.close();
    log = new FileChunkLog(dir, { reclaimMinBytes: 10 });
    assert.equal(await log.open(id, 155), 155);
    assert.deepEqual([...(await log.read(id, 150, 5))!], [3, 3, 3, 3, 3]);
    assert.equal(await log.open(id, 153), 153); // torn tail
    assert.equal(await log.read(id, 150, 5), undefined);
    assert.equal(await log.open(id, 20), 20); // index before the file's base: started again
    assert.equal((await log.append(id, new Uint8Array(1))).offset, 20);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileChunkLog: at most maxOpen files stay open; closed logs reopen with their end and base', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-jlog-'));
  try {
    const log = new FileChunkLog(dir, { maxOpen: 3 });
    const ids = Array.from({ length: 10 }, (_, i) => `${'cd'.repeat(32)}/j${i}`);
    for (const [i, id] of ids.entries()) {
      await log.open(id, 0);
      await log.append(id, new Uint8Array(10 + i).fill(i));
      assert.ok(log.openFiles <= 3);
    }
    await Promise.all(ids.map((id, i) => log.append(id, new Uint8Array(5).fill(100 + i))));
    for (const [i, id] of ids.entries()) {
      assert.deepEqual([...(await log.read(id, 0, 10 + i))!], new Array(10 + i).fill(i));
      assert.deepEqual([...(await log.read(id, 10 + i, 5))!], new Array(5).fill(100 + i));
    }
    assert.ok(log.openFiles <= 3);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('closing the log while appends are in flight lets them finish; later appends are refused as closed, never as a store failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-log-close-'));
  try {
    const guard = new FailStop();
    const log = new FileChunkLog(dir, { guard });
    const id = formatJournalId(generateWriter().publicKey, 'racing');
    await log.open(id, 0);
    const appends = Array.from({ length: 20 }, () => log.append(id, new Uint8Array(4096).fill(7)));
    await log.close();
    const settled = await Promise.allSettled(appends);
    for (const r of settled) {
      if (r.status === 'rejected')
        assert.ok(isMurmurError(r.reason, 'MURMUR_JOURNAL_CLOSED'), String(r.reason));
    }
    assert.equal(guard.failed, false, 'a stop is not a failed write');
    await assert.rejects(log.append(id, new Uint8Array(1)), (e: unknown) =>
      isMurmurError(e, 'MURMUR_JOURNAL_CLOSED'),
    );
    assert.equal(guard.failed, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
