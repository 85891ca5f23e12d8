import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesEqual, compareBytes, fromHex, isHex, toHex } from '../../src/bytes/index.ts';
import { isMurmurError, MurmurError } from '../../src/errors/index.ts';

test('hex round-trip, lower case out, either case in; views are read in place', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 8 }), (bytes, off) => {
      const h = toHex(bytes);
      assert.match(h, /^[0-9a-f]*$/);
      assert.equal(h.length, bytes.length * 2);
      assert.deepEqual(fromHex(h), bytes);
      assert.deepEqual(fromHex(h.toUpperCase(), bytes.length), bytes);
      assert.ok(isHex(h, bytes.length));
      const padded = new Uint8Array(off + bytes.length + 3);
      padded.set(bytes, off);
      assert.equal(toHex(padded.subarray(off, off + bytes.length)), h);
    }),
  );
});

test('bad hex throws a typed error (or the caller’s), never a silent truncation', () => {
  for (const bad of ['0', 'abc', 'zz', '0g', ' 00', '00 ', '0x00', 'é0']) {
    assert.equal(isHex(bad), false, bad);
    assert.throws(
      () => fromHex(bad),
      (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
      bad,
    );
  }
  assert.equal(isHex(42), false);
  assert.equal(isHex('00', 2), false);
  assert.throws(() => fromHex('00', 2), /expected 2 bytes of hex/);
  assert.throws(
    () => fromHex('zz', 1, () => new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', 'x')),
    (e) => isMurmurError(e, 'MURMUR_OVERLAY_BAD_ADDRESS'),
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      const ok = /^([0-9a-fA-F]{2})*$/.test(s);
      assert.equal(isHex(s), ok);
      if (ok) assert.equal(toHex(fromHex(s)), s.toLowerCase());
      else assert.throws(() => fromHex(s), MurmurError);
    }),
  );
});

/** Brute-force models. */
const eqModel = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && [...a].every((x, i) => x === b[i]);
function cmpModel(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

test('bytesEqual and compareBytes agree with brute-force models (short, long, near-equal, views)', () => {
  const pair = fc.oneof(
    fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
    fc
      .tuple(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }))
      .map(([a, i, x]) => {
        const b = new Uint8Array(a);
        if (b.length > 0) b[i % b.length]! ^= x;
        return [a, b] as [Uint8Array, Uint8Array];
      }),
    fc.uint8Array({ maxLength: 200 }).map((a) => [a, new Uint8Array(a)] as [Uint8Array, Uint8Array]),
    fc
      .uint8Array({ minLength: 2, maxLength: 200 })
      .map((a) => [a.subarray(1), a.slice(1)] as [Uint8Array, Uint8Array]),
  );
  fc.assert(
    fc.property(pair, ([a, b]) => {
      assert.equal(bytesEqual(a, b), eqModel(a, b));
      assert.equal(Math.sign(compareBytes(a, b)), Math.sign(cmpModel(a, b)));
    }),
    { numRuns: 3000 },
  );
});
