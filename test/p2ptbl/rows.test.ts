import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  binaryToText,
  compareVariants,
  formatTable,
  mergeRows,
  normalizeRows,
  parseTable,
  type Row,
  textToBinary,
} from '../../src/p2ptbl/index.ts';
import { rowArb, tableArb } from './arbitraries.ts';

describe('p2ptbl rows: file format', () => {
  it('reads a table written by the original tool (values with tabs, any order, trailing newline or not)', () => {
    const original = 'zeta\t12\tlast\nalpha\t70000000000000000001\tfe80::1\tlink\tup\nmid\t5\t\n';
    const { rows, skipped } = parseTable(original);
    assert.equal(skipped, 0);
    assert.deepEqual(rows, [
      { key: 'alpha', version: 70000000000000000001n, value: 'fe80::1\tlink\tup' },
      { key: 'mid', version: 5n, value: '' },
      { key: 'zeta', version: 12n, value: 'last' },
    ]);
    assert.equal(parseTable('a\t1\tx').rows.length, 1, 'no trailing newline');
  });

  it('writes rows sorted by key in byte order, tombstones as key<TAB>version', () => {
    const rows = normalizeRows([
      { key: 'b', version: 2n, value: null },
      { key: '\u00e9', version: 1n, value: 'v' },
      { key: 'B', version: 3n, value: 'x\ty' },
    ]);
    assert.equal(formatTable(rows), 'B\t3\tx\ty\nb\t2\n\u00e9\t1\tv\n');
  });

  it('skips and counts malformed lines', () => {
    const text = 'ok\t1\tv\nnotab\n\t5\tnokey\nk\tx1\tbadversion\nk2\t-1\tneg\nk3\t\tempty\nk4\t1\tnul\0\n\n';
    const { rows, skipped } = parseTable(text);
    assert.deepEqual(rows, [{ key: 'ok', version: 1n, value: 'v' }]);
    assert.equal(skipped, 6);
  });

  it('joins duplicate keys of one file with the merge rule', () => {
    const { rows } = parseTable('k\t5\tlow\nk\t9\thigh\nk\t7\tmid\n');
    assert.deepEqual(rows, [{ key: 'k', version: 9n, value: 'high' }]);
  });

  it('round-trips any canonical table byte for byte', () => {
    fc.assert(
      fc.property(tableArb, (rows) => {
        const text = formatTable(rows);
        const back = parseTable(text);
        assert.equal(back.skipped, 0);
        assert.deepEqual(back.rows, rows);
        assert.equal(formatTable(back.rows), text);
      }),
    );
  });

  it('round-trips unicode text through binary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        assert.equal(binaryToText(textToBinary(s)), s);
      }),
    );
  });

  it('never throws on arbitrary or corrupted bytes, and what it keeps is valid', () => {
    const corrupt = tableArb.chain((rows) =>
      fc.tuple(
        fc.constant(formatTable(rows)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          corrupt.map(([t, edits]) => {
            const chars = t.split('');
            for (const [pos, byte] of edits)
              if (chars.length > 0) chars[pos % chars.length] = String.fromCharCode(byte);
            return chars.join('');
          }),
        ),
        (text) => {
          const { rows } = parseTable(text);
          for (let i = 0; i < rows.length; i++) {
            const r = rows[i] as Row;
            assert.ok(r.key.length > 0 && !/[\t\n\0]/.test(r.key));
            assert.ok(r.value === null || !/[\n\0]/.test(r.value));
            assert.ok(r.version >= 0n);
            if (i > 0) assert.ok((rows[i - 1] as Row).key < r.key);
          }
        },
      ),
    );
  });
});

describe('p2ptbl rows: merge is a join', () => {
  const same = (a: Row[], b: Row[]): void => assert.equal(formatTable(a), formatTable(b));

  it('is commutative', () => {
    fc.assert(
      fc.property(tableArb, tableArb, (a, b) => same(mergeRows(a, b), mergeRows(b, a))),
      { numRuns: 500 },
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(tableArb, tableArb, tableArb, (a, b, c) =>
        same(mergeRows(mergeRows(a, b), c), mergeRows(a, mergeRows(b, c))),
      ),
      { numRuns: 500 },
    );
  });

  it('is idempotent and absorbs what it already holds', () => {
    fc.assert(
      fc.property(tableArb, tableArb, (a, b) => {
        same(mergeRows(a, a), a);
        const ab = mergeRows(a, b);
        same(mergeRows(ab, b), ab);
      }),
    );
  });

  it('converges whatever the delivery order (any permutation of the rows gives one table)', () => {
    const rowsAndPermutation = fc
      .array(rowArb, { maxLength: 30 })
      .chain((rows) =>
        fc.tuple(
          fc.constant(rows),
          fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        ),
      );
    fc.assert(
      fc.property(rowsAndPermutation, ([rows, shuffled]) => {
        const one = rows.reduce<Row[]>((t, r) => mergeRows(t, [r]), []);
        const two = shuffled.reduce<Row[]>((t, r) => mergeRows(t, [r]), []);
        same(one, two);
      }),
    );
  });

  it('larger version wins; ties: tombstone beats value, larger value bytes beat smaller', () => {
    const t = (key: string, version: bigint, value: string | null): Row => ({ key, version, value });
    assert.deepEqual(mergeRows([t('k', 5n, 'old')], [t('k', 6n, null)]), [t('k', 6n, null)]);
    assert.deepEqual(mergeRows([t('k', 7n, 'new')], [t('k', 6n, null)]), [t('k', 7n, 'new')]);
    assert.deepEqual(mergeRows([t('k', 6n, 'zzz')], [t('k', 6n, null)]), [t('k', 6n, null)]);
    assert.deepEqual(mergeRows([t('k', 6n, 'a')], [t('k', 6n, 'b')]), [t('k', 6n, 'b')]);
    assert.deepEqual(mergeRows([t('k', 6n, 'b')], [t('k', 6n, 'a')]), [t('k', 6n, 'b')]);
    assert.ok(compareVariants(t('k', 2n ** 64n, 'a'), t('k', 2n ** 64n - 1n, 'z')) > 0, 'beyond 2^53');
  });
});
