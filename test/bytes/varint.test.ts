import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import {
  ByteReader,
  decodeVarint,
  encodeVarint,
  MAX_VARINT_BYTES,
  VARINT_TOO_LONG,
  VARINT_TRUNCATED,
  varintSize,
  writeVarint,
} from '../../src/bytes/index.ts';
import { isMurmurError, MurmurError } from '../../src/errors/index.ts';

const safe = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 2 ** 32 }),
  fc.maxSafeInteger().map((n) => Math.abs(n)),
  fc.constantFrom(0, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 35, 2 ** 49, Number.MAX_SAFE_INTEGER),
);

/** Brute-force model of an unsigned LEB128 varint at pos: BigInt, no shortcuts. */
function model(
  buf: Uint8Array,
  pos: number,
  maxBytes: number,
): { value: bigint; end: number } | 'truncated' | 'long' {
  let value = 0n;
  for (let i = 0; i < maxBytes; i++) {
    const b = buf[pos + i];
    if (b === undefined) return 'truncated';
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value, end: pos + i + 1 };
  }
  return 'long';
}

test('encode / decode round-trip for every safe integer; size, bytes as protobuf-es writes them', () => {
  fc.assert(
    fc.property(safe, (n) => {
      const bytes = encodeVarint(n);
      assert.equal(bytes.length, varintSize(n));
      assert.equal(decodeVarint(bytes), n);
      const out = new Uint8Array(bytes.length + 3);
      assert.equal(writeVarint(out, 2, n), 2 + bytes.length);
      assert.deepEqual(out.subarray(2, 2 + bytes.length), bytes);
      if (n < 2 ** 32) {
        assert.deepEqual(bytes, new BinaryWriter().uint32(n).finish());
        assert.equal(new BinaryReader(bytes).uint32(), n);
      }
      assert.deepEqual(bytes, new BinaryWriter().uint64(BigInt(n)).finish());
    }),
    { numRuns: 2000 },
  );
});

test('encodeVarint refuses what is not a non-negative safe integer', () => {
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.throws(
      () => encodeVarint(bad),
      (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
    );
  }
});

test('random bytes: the reader agrees with a brute-force model or throws a typed error, never a wrong value', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 14 }),
        // mostly continuation bytes: long and truncated varints
        fc
          .tuple(fc.uint8Array({ maxLength: 14 }), fc.nat({ max: 14 }))
          .map(([b, k]) => b.map((x, i) => (i < k ? x | 0x80 : x))),
      ),
      fc.integer({ min: 1, max: MAX_VARINT_BYTES }),
      (buf, maxBytes) => {
        const m = model(buf, 0, maxBytes);
        const r = new ByteReader(buf);
        const tried = new ByteReader(buf).tryVarint(maxBytes);
        if (typeof m === 'object' && m.value <= BigInt(Number.MAX_SAFE_INTEGER)) {
          assert.equal(r.varint(maxBytes), Number(m.value));
          assert.equal(r.pos, m.end);
          assert.equal(tried, Number(m.value));
        } else {
          assert.throws(
            () => r.varint(maxBytes),
            (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
          );
          assert.equal(r.pos, 0, 'cursor unchanged after a refusal');
          assert.equal(tried, m === 'truncated' ? VARINT_TRUNCATED : VARINT_TOO_LONG);
        }
      },
    ),
    { numRuns: 5000 },
  );
});

test('truncated varints: every strict prefix is refused as truncated', () => {
  fc.assert(
    fc.property(
      safe.filter((n) => n >= 128),
      (n) => {
        const bytes = encodeVarint(n);
        for (let cut = 0; cut < bytes.length; cut++) {
          const r = new ByteReader(bytes.subarray(0, cut));
          assert.equal(r.tryVarint(), VARINT_TRUNCATED);
          assert.throws(() => r.varint(), /truncated varint/);
        }
      },
    ),
  );
});

test('over-long varints are refused: past maxBytes, 11 bytes, or above 2^53 - 1', () => {
  const eleven = new Uint8Array(11).fill(0x80);
  eleven[10] = 1;
  assert.throws(() => new ByteReader(eleven).varint(), /varint too long/);
  assert.throws(() => new ByteReader(encodeVarint(2 ** 35)).varint(5), /varint too long/);
  assert.equal(new ByteReader(encodeVarint(2 ** 35 - 1)).varint(5), 2 ** 35 - 1);
  const big = new BinaryWriter().uint64(2n ** 53n).finish();
  assert.throws(() => new ByteReader(big).varint(), /number out of range/);
  const max = new BinaryWriter().uint64(2n ** 64n - 1n).finish();
  assert.throws(() => new ByteReader(max).varint(), /number out of range/);
});

test('the caller chooses the error code; decodeVarint refuses trailing bytes', () => {
  const bad = (why: string) => new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', why);
  assert.throws(
    () => new ByteReader(Uint8Array.of(0x80), bad).varint(),
    (e) => isMurmurError(e, 'MURMUR_JOURNAL_BAD_MESSAGE'),
  );
  assert.throws(() => new ByteReader(new Uint8Array(0), bad).u8(), /truncated/);
  assert.throws(() => new ByteReader(Uint8Array.of(1, 2), bad).bytes(3), /truncated/);
  assert.throws(() => decodeVarint(Uint8Array.of(1, 2)), /trailing bytes/);
});

test('a sequence of varints and views reads back in order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(safe, fc.uint8Array({ maxLength: 20 })), { maxLength: 20 }), (items) => {
      let size = 0;
      for (const [n, b] of items) size += varintSize(n) + varintSize(b.length) + b.length;
      const buf = new Uint8Array(size);
      let p = 0;
      for (const [n, b] of items) {
        p = writeVarint(buf, p, n);
        p = writeVarint(buf, p, b.length);
        buf.set(b, p);
        p += b.length;
      }
      assert.equal(p, size);
      const r = new ByteReader(buf);
      for (const [n, b] of items) {
        assert.equal(r.varint(), n);
        assert.deepEqual(r.bytes(r.varint()), b);
      }
      assert.ok(r.atEnd());
      assert.equal(r.remaining, 0);
    }),
  );
});
