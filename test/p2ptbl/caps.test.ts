import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { MAX_RECV_ROWS, MAX_ROW_BYTES } from '../../src/p2ptbl/constants.ts';
import {
  decodeGossip,
  formatTable,
  parseTable,
  rowBytes,
  Table,
  tableBytes,
} from '../../src/p2ptbl/index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2ptbl-caps-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One gossip datagram whose single row inflates to about `bytes` (it compresses ~1000:1). */
function bombRow(key: string, bytes: number): Uint8Array {
  return gzipSync(Buffer.from(`${key}\t7\t${'a'.repeat(bytes)}\n`, 'latin1'), { level: 9 });
}

test('a ~1 KB datagram that inflates to a 1 MiB row is skipped as oversized, the table untouched', async () => {
  const table = new Table(join(dir, 'bomb'));
  await table.init();
  await table.update('own', 'v');
  const payload = bombRow('evil', 1_000_000);
  assert.ok(payload.length < 1232, `payload ${payload.length} bytes fits one HBBP datagram`);
  const stats = await table.receive(payload);
  assert.deepEqual(stats, { received: 0, changed: 0, skipped: 0, oversized: 1, refused: 0 });
  assert.equal(await table.get('evil'), undefined);
  assert.equal((await table.get('own'))?.value, 'v');
});

test('received rows stop at the received-rows cap; own writes, reads and honest updates keep working', async () => {
  const path = join(dir, 'full');
  const table = new Table(path, { maxTableBytes: 400_000, maxReceivedTableBytes: 300_000 });
  await table.init();
  let refused = 0;
  // 259 datagrams of ~60 KB rows each, as the attack did with 1 MiB rows against the 256 MiB cap
  for (let i = 0; i < 259; i++) refused += (await table.receive(bombRow(`evil${i}`, 60_000))).refused;
  assert.ok(refused > 250, `most attack rows refused (${refused})`);
  const size = (await stat(path)).size;
  assert.ok(size <= 300_000, `table ${size} bytes within the received-rows cap`);
  // the node's own writes still have room, and everything still reads
  const own = await table.update('own', 'mine');
  assert.equal((await table.get('own'))?.value, 'mine');
  assert.equal((await table.read()).rows.length > 1, true);
  // an honest update of an existing key that does not grow the table is still merged
  const honest = parseTable(formatTable([{ key: 'own', version: own.version + 10n, value: 'fine' }]));
  const stats = await table.receive(gzipSync(Buffer.from(formatTable(honest.rows), 'latin1')));
  assert.equal(stats.changed, 1);
  assert.equal((await table.get('own'))?.value, 'fine');
});

test('own writes are refused with MURMUR_P2PTBL_TOO_LARGE before the table would become unreadable', async () => {
  const table = new Table(join(dir, 'own'), { maxTableBytes: 100_000 });
  await table.init();
  for (let i = 0; i < 3; i++) await table.update(`k${i}`, 'x'.repeat(30_000));
  await assert.rejects(table.update('k9', 'x'.repeat(30_000)), (e: unknown) =>
    isMurmurError(e, 'MURMUR_P2PTBL_TOO_LARGE'),
  );
  await assert.rejects(table.update('big', 'x'.repeat(MAX_ROW_BYTES)), (e: unknown) =>
    isMurmurError(e, 'MURMUR_P2PTBL_TOO_LARGE'),
  );
  assert.equal((await table.read()).rows.length, 3);
});

test('one payload merges at most MAX_RECV_ROWS rows; the rest are counted as dropped', () => {
  const n = MAX_RECV_ROWS + 100;
  let text = '';
  for (let i = 0; i < n; i++) text += `k${i}\t1\tv\n`;
  const got = decodeGossip(gzipSync(Buffer.from(text, 'latin1')));
  assert.equal(got.rows.length, MAX_RECV_ROWS);
  assert.equal(got.dropped, 100);
});

test('rowBytes and tableBytes equal the bytes formatTable writes', () => {
  const row = fc.record({
    key: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }).filter((k) => !/[\t\n\0]/.test(k)),
    version: fc.bigInt({ min: 0n, max: 2n ** 200n }),
    value: fc.option(
      fc.string({ unit: 'binary-ascii', maxLength: 40 }).filter((v) => !/[\n\0]/.test(v)),
      { nil: null },
    ),
  });
  fc.assert(
    fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
      assert.equal(tableBytes(rows), Buffer.byteLength(formatTable(rows), 'latin1'));
      for (const r of rows) assert.equal(rowBytes(r), Buffer.byteLength(formatTable([r]), 'latin1'));
    }),
  );
});
