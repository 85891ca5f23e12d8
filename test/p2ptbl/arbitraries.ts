/** fast-check arbitraries for p2ptbl rows and tables (binary strings: one char per byte). */
import fc from 'fast-check';
import { normalizeRows, type Row } from '../../src/p2ptbl/index.ts';

const byteChar = (exclude: number[]) =>
  fc
    .integer({ min: 1, max: 255 })
    .filter((c) => !exclude.includes(c))
    .map((c) => String.fromCharCode(c));

/** Keys: a few common ones (so tables collide) or random bytes without tab, newline, NUL. */
export const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'host-1', 'é', '\u00ff'),
  fc.array(byteChar([9, 10]), { minLength: 1, maxLength: 12 }).map((cs) => cs.join('')),
);

/** Values: null (tombstone) or bytes without newline/NUL (tabs allowed); small set so ties differ or agree. */
export const valueArb = fc.oneof(
  fc.constant(null),
  fc.constantFrom('', 'x', 'y', 'x\ty', '\t'),
  fc.array(byteChar([10]), { maxLength: 16 }).map((cs) => cs.join('')),
);

/** Versions: small (many ties) or huge (beyond 2^53). */
export const versionArb = fc.oneof(fc.bigInt({ min: 0n, max: 3n }), fc.bigInt({ min: 0n, max: 2n ** 80n }));

export const rowArb: fc.Arbitrary<Row> = fc
  .record({ key: keyArb, version: versionArb, value: valueArb })
  .map((r) => ({ key: r.key, version: r.version, value: r.value }));

/** A canonical table (sorted, unique keys). */
export const tableArb: fc.Arbitrary<Row[]> = fc
  .array(rowArb, { maxLength: 25 })
  .map((rows) => normalizeRows(rows));
