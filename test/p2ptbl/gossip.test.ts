import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import {
  decodeGossip,
  formatTable,
  gossipKey,
  gzipRows,
  HBBP_MAX_DATAGRAM,
  payloadBudget,
  type Row,
  selectGossip,
} from '../../src/p2ptbl/index.ts';
import { tableArb } from './arbitraries.ts';

function rowsOf(n: number, valueBytes = 12): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      key: `host-${String(i).padStart(5, '0')}`,
      version: 4_000_000_000n + BigInt(i * 7919),
      value: `fe80::${i.toString(16)}`.padEnd(valueBytes, '.'),
    });
  }
  return rows;
}

describe('p2ptbl gossip: selection', () => {
  it('keys a table by basename and caps the budget to one HBBP datagram', () => {
    assert.equal(gossipKey('/tmp/p2ptbl/nodes'), 'p2ptbl/nodes');
    assert.equal(payloadBudget(500, 'p2ptbl/nodes'), 500);
    assert.equal(payloadBudget(5000, 'p2ptbl/nodes'), HBBP_MAX_DATAGRAM - 'p2ptbl/nodes'.length - 1);
    assert.equal(payloadBudget(5000, 'p2ptbl/nodes', 58), HBBP_MAX_DATAGRAM - 'p2ptbl/nodes'.length - 1 - 58);
    assert.throws(
      () => payloadBudget(0, 'k'),
      (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
    );
  });

  it('sends nothing for an empty table', () => {
    assert.equal(selectGossip([], 500), undefined);
  });

  it('takes the largest random prefix whose gzip fits, and the payload decodes to those rows', () => {
    const rows = rowsOf(2000);
    for (const budget of [60, 200, 500, 1200]) {
      let n = 0;
      // Deterministic "shuffle" (identity) so we can check that one more row would not fit.
      const sel = selectGossip(rows, budget, { randomInt: () => n++ * 0 });
      assert.ok(sel);
      assert.ok(sel.payload.length <= budget, `payload ${sel.payload.length} <= ${budget}`);
      assert.ok(gzipRows(rows.slice(0, sel.rows.length + 1)).length > budget, 'one more row does not fit');
      const back = decodeGossip(sel.payload);
      assert.equal(back.rows.length, sel.rows.length);
      assert.deepEqual(
        back.rows,
        [...sel.rows].sort((a, b) => (a.key < b.key ? -1 : 1)),
      );
    }
  });

  it('sends a random subset (two selections differ)', () => {
    const rows = rowsOf(500);
    const a = selectGossip(rows, 300);
    const b = selectGossip(rows, 300);
    assert.ok(a && b);
    assert.notDeepEqual(
      a.rows.map((r) => r.key),
      b.rows.map((r) => r.key),
    );
  });

  it('sends the whole table when it fits', () => {
    const rows = rowsOf(3);
    const sel = selectGossip(rows, 500);
    assert.equal(sel?.rows.length, 3);
  });

  it('skips rows too large to fit alone, and fails when no row fits', () => {
    const big: Row = {
      key: 'big',
      version: 1n,
      value: 'x'.repeat(2000).replace(/x/g, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))),
    };
    const sel = selectGossip([big, ...rowsOf(5)], 400, { randomInt: () => 0 });
    assert.ok(sel);
    assert.equal(sel.oversized, 1);
    assert.ok(!sel.rows.includes(big));
    assert.equal(sel.rows.length, 5);
    assert.throws(
      () => selectGossip([big], 400),
      (e) => isMurmurError(e, 'MURMUR_P2PTBL_NO_ROW_FITS'),
    );
  });
});

describe('p2ptbl gossip: bounded decoding', () => {
  it('round-trips any table through gzip', () => {
    fc.assert(
      fc.property(tableArb, (rows) => {
        assert.deepEqual(decodeGossip(gzipRows(rows)).rows, rows);
      }),
    );
  });

  it('rejects a gzip bomb before inflating it all', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < 64 * 1024);
    assert.throws(
      () => decodeGossip(bomb),
      (e) => isMurmurError(e, 'MURMUR_P2PTBL_TOO_LARGE'),
    );
    assert.throws(
      () => decodeGossip(Buffer.alloc(100_000)),
      (e) => isMurmurError(e, 'MURMUR_P2PTBL_TOO_LARGE'),
    );
  });

  it('random bytes and corrupted payloads give a MurmurError with a stable code or valid rows', () => {
    const corrupted = tableArb.chain((rows) =>
      fc
        .tuple(
          fc.constant(gzipRows(rows)),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat(),
        )
        .map(([z, edits, cut]) => {
          const b = Buffer.from(z);
          for (const [pos, byte] of edits) b[pos % b.length] = byte;
          return cut % 3 === 0 ? b.subarray(0, cut % b.length) : b;
        }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), corrupted), (bytes) => {
        try {
          const { rows } = decodeGossip(bytes);
          for (const r of rows) assert.ok(r.key.length > 0 && !/[\t\n\0]/.test(r.key));
          assert.equal(decodeGossip(gzipRows(rows)).rows.length, rows.length);
        } catch (err) {
          assert.ok(
            isMurmurError(err, 'MURMUR_P2PTBL_BAD_GZIP') || isMurmurError(err, 'MURMUR_P2PTBL_TOO_LARGE'),
            `unexpected ${String(err)}`,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('counts malformed rows inside a valid gzip', () => {
    const res = decodeGossip(gzipSync(Buffer.from('good\t1\tv\ngarbage\nbad\tNaN\tv\n', 'latin1')));
    assert.equal(res.rows.length, 1);
    assert.equal(res.skipped, 2);
    assert.equal(formatTable(res.rows), 'good\t1\tv\n');
  });
});
