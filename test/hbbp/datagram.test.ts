import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeDatagram,
  encodeDatagram,
  HBBP_MAX_DATAGRAM,
  maxPayload,
  validateKey,
} from '../../src/hbbp/index.ts';
import { typedOrResult } from './helpers.ts';

const enc = new TextEncoder();

describe('hbbp datagram', () => {
  it('encodes key NUL payload and decodes it back', () => {
    const d = encodeDatagram('p2ptbl/mytable', enc.encode('hi\0there'));
    assert.deepEqual([...d.subarray(0, 15)], [...enc.encode('p2ptbl/mytable'), 0]);
    const m = decodeDatagram(d);
    assert.equal(m.key, 'p2ptbl/mytable');
    assert.deepEqual(m.payload, enc.encode('hi\0there'));
  });

  it('always writes the NUL, even for an empty payload, and accepts a bare key', () => {
    assert.deepEqual([...encodeDatagram('k')], [0x6b, 0]);
    const m = decodeDatagram(enc.encode('bare/key'));
    assert.equal(m.key, 'bare/key');
    assert.equal(m.payload.length, 0);
  });

  it('rejects bad keys with MURMUR_HBBP_BAD_KEY', () => {
    for (const k of [
      '',
      '/etc/passwd',
      'a/../b',
      '..',
      'a\0b',
      'a\nb',
      'tab\there',
      'del\x7f',
      'c1\x85',
      'x\ud800',
    ]) {
      assert.throws(() => validateKey(k), { code: 'MURMUR_HBBP_BAD_KEY' }, JSON.stringify(k));
      assert.throws(() => encodeDatagram(k), { code: 'MURMUR_HBBP_BAD_KEY' });
    }
    for (const k of ['a', 'p2ptbl/t', 'a.b', 'announce/peer', 'ключ', 'emoji😀']) validateKey(k);
    assert.throws(() => decodeDatagram(Uint8Array.of(0xff, 0xfe, 0, 1)), { code: 'MURMUR_HBBP_BAD_KEY' });
    assert.throws(() => decodeDatagram(Uint8Array.of(0, 1, 2)), { code: 'MURMUR_HBBP_BAD_KEY' });
    assert.throws(() => decodeDatagram(enc.encode('/abs\0x')), { code: 'MURMUR_HBBP_BAD_KEY' });
  });

  it('fits exactly 1232 bytes and fails one byte above, reporting the usable size', () => {
    const key = 'k/x';
    const max = maxPayload(key);
    assert.equal(max, HBBP_MAX_DATAGRAM - 4);
    assert.equal(encodeDatagram(key, new Uint8Array(max)).length, HBBP_MAX_DATAGRAM);
    assert.throws(
      () => encodeDatagram(key, new Uint8Array(max + 1)),
      (e: { code: string; details: { usablePayload: number } }) =>
        e.code === 'MURMUR_HBBP_TOO_LARGE' && e.details.usablePayload === max,
    );
    assert.throws(() => decodeDatagram(new Uint8Array(HBBP_MAX_DATAGRAM + 1).fill(0x61)), {
      code: 'MURMUR_HBBP_TOO_LARGE',
    });
  });

  it('property: round trip of any valid key and fitting payload', () => {
    const keyArb = fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter(
      (k) =>
        typedOrResult(() => {
          validateKey(k);
          return true;
        }, ['MURMUR_HBBP_BAD_KEY']) === true,
    );
    fc.assert(
      fc.property(keyArb, fc.uint8Array({ maxLength: 1100 }), (key, payload) => {
        const m = decodeDatagram(encodeDatagram(key, payload));
        assert.equal(m.key, key);
        assert.deepEqual(m.payload, payload);
      }),
      { numRuns: 300 },
    );
  });

  it('property: random, truncated and bit-flipped bytes give a typed error or a valid message', () => {
    const codes = ['MURMUR_HBBP_BAD_KEY', 'MURMUR_HBBP_TOO_LARGE'];
    const check = (bytes: Uint8Array): void => {
      const m = typedOrResult(() => decodeDatagram(bytes), codes);
      if (m) {
        validateKey(m.key);
        assert.ok(m.payload.length <= bytes.length);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (b) => check(b)),
      { numRuns: 500 },
    );
    const valid = encodeDatagram('p2ptbl/t', enc.encode('payload bytes'));
    fc.assert(
      fc.property(
        fc.nat(valid.length),
        fc.nat(valid.length * 8 - 1),
        fc.integer({ min: 0, max: 255 }),
        (cut, bit, byte) => {
          check(valid.subarray(0, cut));
          const flipped = new Uint8Array(valid);
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          check(flipped);
          const set = new Uint8Array(valid);
          set[cut % valid.length] = byte;
          check(set);
        },
      ),
      { numRuns: 500 },
    );
  });
});
