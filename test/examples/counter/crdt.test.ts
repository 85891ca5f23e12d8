import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type CounterState,
  cloneState,
  counterValue,
  mergeInto,
  sameState,
} from '../../../examples/counter/crdt.ts';
import { decodeState, encodeState } from '../../../examples/counter/wire.ts';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const arbState: fc.Arbitrary<CounterState> = fc
  .array(
    fc.tuple(
      fc.constantFrom('a', 'b', 'c', 'd'),
      fc.array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3'), u64, u64), { maxLength: 4 }),
    ),
    { maxLength: 5 },
  )
  .map((entries) => {
    const s: CounterState = new Map();
    for (const [name, slots] of entries) {
      const m = s.get(name) ?? new Map();
      for (const [peer, p, n] of slots) m.set(peer, { p, n });
      s.set(name, m);
    }
    return s;
  });

const merged = (...states: CounterState[]): CounterState => {
  const out: CounterState = new Map();
  for (const s of states) mergeInto(out, s);
  return out;
};

test('merge is commutative, associative and idempotent', () => {
  fc.assert(
    fc.property(arbState, arbState, arbState, (a, b, c) => {
      assert.ok(sameState(merged(a, b), merged(b, a)));
      assert.ok(sameState(merged(merged(a, b), c), merged(a, merged(b, c))));
      const ab = merged(a, b);
      assert.equal(mergeInto(ab, cloneState(b)), false, 'merging again changes nothing');
      assert.ok(sameState(ab, merged(a, b)));
    }),
  );
});

test('value is the sum of p minus the sum of n, and merge never loses an increment', () => {
  fc.assert(
    fc.property(arbState, arbState, (a, b) => {
      const m = merged(a, b);
      for (const [name, slots] of m) {
        let want = 0n;
        for (const s of slots.values()) want += s.p - s.n;
        assert.equal(counterValue(slots), want);
        for (const src of [a, b]) {
          for (const [peer, s] of src.get(name) ?? []) {
            assert.ok(slots.get(peer)!.p >= s.p && slots.get(peer)!.n >= s.n);
          }
        }
      }
    }),
  );
});

test('merge respects the caps on counters and slots', () => {
  const big: CounterState = new Map(
    Array.from({ length: 10 }, (_, i) => [
      `c${i}`,
      new Map(Array.from({ length: 10 }, (_, j) => [`p${j}`, { p: 1n, n: 0n }])),
    ]),
  );
  const into: CounterState = new Map();
  mergeInto(into, big, { maxCounters: 3, maxSlots: 2 });
  assert.equal(into.size, 3);
  for (const slots of into.values()) assert.equal(slots.size, 2);
});

test('codec: every state round-trips', () => {
  fc.assert(
    fc.property(arbState, (s) => {
      assert.ok(sameState(decodeState(encodeState(s)), s));
    }),
  );
});

test('codec: random and corrupted bytes decode to a valid state or throw a MURMUR_COUNTER_STATE_ code', () => {
  const check = (bytes: Uint8Array): void => {
    try {
      const s = decodeState(bytes, { maxCounters: 8, maxSlots: 8 });
      assert.ok(s.size <= 8);
      for (const [name, slots] of s) {
        assert.match(name, /^[A-Za-z0-9._-]{1,64}$/);
        assert.ok(slots.size <= 8);
      }
    } catch (err) {
      assert.match(String((err as { code?: string }).code), /^MURMUR_COUNTER_STATE_(UNDECODABLE|INVALID)$/);
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check));
  fc.assert(
    fc.property(arbState, fc.nat(), fc.integer({ min: 0, max: 255 }), (s, at, v) => {
      const bytes = encodeState(s);
      if (bytes.length === 0) return;
      bytes[at % bytes.length] = v;
      check(bytes);
      check(bytes.subarray(0, at % bytes.length));
    }),
  );
  assert.throws(
    () =>
      decodeState(encodeState(new Map(Array.from({ length: 9 }, (_, i) => [`c${i}`, new Map()]))), {
        maxCounters: 8,
        maxSlots: 8,
      }),
    { code: 'MURMUR_COUNTER_STATE_INVALID' },
  );
});
