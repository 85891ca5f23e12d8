import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { IntervalStore } from '../../src/chunks/intervals/interval-store.ts';
import { Intervals } from '../../src/chunks/intervals/intervals.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { MAX_U64 } from '../../src/streamer/constants.ts';

const M = MAX_U64;

interface Row {
  base?: bigint;
  initial: [bigint, bigint][];
  add?: [bigint, bigint];
  ranges: [bigint, bigint][];
  ceiling?: bigint;
  next: [bigint, bigint, boolean];
  last?: bigint;
}

// Table in the spirit of bee's intervalstore tests: initial ranges, one add, expected merge and next().
const table: Row[] = [
  { initial: [], ranges: [], next: [0n, M, false] },
  { initial: [], ceiling: 10n, ranges: [], next: [0n, 10n, false] },
  { base: 1n, initial: [], ranges: [], next: [1n, M, false] },
  { initial: [], add: [0n, 0n], ranges: [[0n, 0n]], next: [1n, M, false], last: 0n },
  { initial: [], add: [5n, 10n], ranges: [[5n, 10n]], next: [0n, 4n, false], last: 10n },
  { initial: [[0n, 10n]], add: [11n, 20n], ranges: [[0n, 20n]], next: [21n, M, false], last: 20n },
  {
    initial: [[0n, 10n]],
    add: [12n, 20n],
    ranges: [
      [0n, 10n],
      [12n, 20n],
    ],
    next: [11n, 11n, false],
  },
  { initial: [[5n, 10n]], add: [0n, 4n], ranges: [[0n, 10n]], next: [11n, M, false] },
  {
    initial: [[5n, 10n]],
    add: [0n, 3n],
    ranges: [
      [0n, 3n],
      [5n, 10n],
    ],
    next: [4n, 4n, false],
  },
  { initial: [[0n, 10n]], add: [3n, 7n], ranges: [[0n, 10n]], next: [11n, M, false] },
  { initial: [[3n, 7n]], add: [0n, 10n], ranges: [[0n, 10n]], next: [11n, M, false] },
  {
    initial: [
      [0n, 5n],
      [10n, 15n],
    ],
    add: [6n, 9n],
    ranges: [[0n, 15n]],
    next: [16n, M, false],
  },
  {
    initial: [
      [0n, 5n],
      [10n, 15n],
      [20n, 25n],
    ],
    add: [4n, 21n],
    ranges: [[0n, 25n]],
    next: [26n, M, false],
  },
  {
    initial: [
      [0n, 5n],
      [10n, 15n],
      [20n, 25n],
    ],
    add: [7n, 8n],
    ranges: [
      [0n, 5n],
      [7n, 8n],
      [10n, 15n],
      [20n, 25n],
    ],
    next: [6n, 6n, false],
  },
  { initial: [[0n, 10n]], ceiling: 10n, ranges: [[0n, 10n]], next: [10n, 10n, true] },
  { initial: [[0n, 10n]], ceiling: 5n, ranges: [[0n, 10n]], next: [5n, 5n, true] },
  { initial: [[0n, 10n]], ceiling: 15n, ranges: [[0n, 10n]], next: [11n, 15n, false] },
  {
    initial: [
      [0n, 10n],
      [20n, 30n],
    ],
    ceiling: 15n,
    ranges: [
      [0n, 10n],
      [20n, 30n],
    ],
    next: [11n, 15n, false],
  },
  { base: 1n, initial: [[2n, 3n]], ranges: [[2n, 3n]], next: [1n, 1n, false] },
  { base: 5n, initial: [[0n, 7n]], ranges: [[0n, 7n]], next: [8n, M, false] },
  // the largest 64-bit values
  { initial: [], add: [M, M], ranges: [[M, M]], next: [0n, M - 1n, false], last: M },
  { initial: [[0n, M - 1n]], add: [M, M], ranges: [[0n, M]], next: [M, M, true], last: M },
  { initial: [[0n, M - 2n]], ranges: [[0n, M - 2n]], next: [M - 1n, M, false] },
  { initial: [[0n, M]], ranges: [[0n, M]], next: [M, M, true] },
  { initial: [[M - 5n, M]], add: [0n, M - 6n], ranges: [[0n, M]], next: [M, M, true] },
  { initial: [[M - 5n, M - 1n]], ranges: [[M - 5n, M - 1n]], ceiling: M, next: [0n, M - 6n, false] },
  { base: M, initial: [], ranges: [], next: [M, M, false] },
];

test('intervals table: add merges overlapping and adjacent ranges; next() is the first gap', () => {
  for (const [i, row] of table.entries()) {
    const iv = new Intervals(row.base ?? 0n);
    for (const [s, e] of row.initial) iv.add(s, e);
    if (row.add) iv.add(row.add[0], row.add[1]);
    assert.deepEqual(iv.ranges(), row.ranges, `row ${i} ranges`);
    const g = iv.next(row.ceiling);
    assert.deepEqual([g.start, g.end, g.empty], row.next, `row ${i} next`);
    if (row.last !== undefined) assert.equal(iv.last(), row.last, `row ${i} last`);
    // serialisation round-trips
    assert.deepEqual(Intervals.parse(iv.toString()).ranges(), row.ranges, `row ${i} parse`);
  }
});

test('intervals reject out-of-range and reversed bounds', () => {
  const iv = new Intervals();
  assert.throws(
    () => iv.add(5n, 4n),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
  assert.throws(
    () => iv.add(0n, M + 1n),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
  assert.throws(
    () => iv.add(-1n, 3n),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
  assert.equal(iv.last(), undefined);
});

test('intervals parse rejects garbage with a stable code', () => {
  for (const bad of ['', 'x', '0', '0;5-3', '0;1-2,', '18446744073709551616;', '0;1-18446744073709551616']) {
    assert.throws(
      () => Intervals.parse(bad),
      (e) => isMurmurError(e, 'MURMUR_STREAMER_BAD_INTERVALS'),
      bad,
    );
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      try {
        Intervals.parse(s);
      } catch (e) {
        assert.ok(isMurmurError(e, 'MURMUR_STREAMER_BAD_INTERVALS'));
      }
    }),
    { numRuns: 500 },
  );
});

test('property: intervals agree with a brute-force set model', () => {
  const N = 64;
  const op = fc.tuple(fc.integer({ min: 0, max: N - 1 }), fc.integer({ min: 0, max: 8 }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 0, max: N + 5 }), (ops, ceil) => {
      const iv = new Intervals();
      const set = new Set<number>();
      for (const [s, len] of ops) {
        const e = Math.min(N - 1, s + len);
        iv.add(BigInt(s), BigInt(e));
        for (let v = s; v <= e; v++) set.add(v);
      }
      // ranges are sorted, disjoint, non-adjacent and cover exactly the set
      const r = iv.ranges();
      for (let i = 1; i < r.length; i++) assert.ok(r[i]![0] > r[i - 1]![1] + 1n);
      let count = 0;
      for (const [s, e] of r) count += Number(e - s + 1n);
      assert.equal(count, set.size);
      for (let v = 0; v < N + 6; v++) assert.equal(iv.has(BigInt(v)), set.has(v));
      // next(): the first value not in the set, up to the ceiling
      let first = 0;
      while (set.has(first)) first++;
      const g = iv.next(BigInt(ceil));
      if (first > ceil) {
        assert.equal(g.empty, true);
      } else {
        assert.equal(g.empty, false);
        assert.equal(g.start, BigInt(first));
        let end = first;
        while (end + 1 <= ceil && !set.has(end + 1)) end++;
        assert.equal(g.end, BigInt(end));
      }
    }),
    { numRuns: 400 },
  );
});

test('interval store persists per (peer, stream) and survives reopening', async () => {
  const db = new MemoryLevel();
  const store = new IntervalStore(db);
  assert.deepEqual((await store.get('p1', 'sync|3', 1n)).next(), { start: 1n, end: M, empty: false });
  await store.add('p1', 'sync|3', 1n, 100n, 1n);
  await Promise.all([store.add('p1', 'sync|3', 101n, 200n, 1n), store.add('p1', 'sync|3', 300n, 400n, 1n)]);
  await store.add('p2', 'sync|3', 1n, 5n, 1n);
  const again = new IntervalStore(db);
  const iv = await again.get('p1', 'sync|3', 1n);
  assert.deepEqual(iv.ranges(), [
    [1n, 200n],
    [300n, 400n],
  ]);
  assert.deepEqual(iv.next(), { start: 201n, end: 299n, empty: false });
  const seen = [];
  for await (const [k, v] of again.entries('p1')) seen.push([k, v.toString()]);
  assert.deepEqual(seen, [['sync|3', '1;1-200,300-400']]);
  await db.close();
});
