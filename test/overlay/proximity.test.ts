import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { computeDepth, fromHex, MAX_PO, overlayAddress, proximity, toHex } from '../../src/overlay/index.ts';

const zero = new Uint8Array(32);
function withBytes(bytes: Record<number, number>): Uint8Array {
  const a = new Uint8Array(32);
  for (const [i, v] of Object.entries(bytes)) a[Number(i)] = v;
  return a;
}

describe('proximity order', () => {
  const table: Array<[string, Uint8Array, number]> = [
    ['first bit differs', withBytes({ 0: 0x80 }), 0],
    ['second bit differs', withBytes({ 0: 0x40 }), 1],
    ['last bit of byte 0', withBytes({ 0: 0x01 }), 7],
    ['first bit of byte 1', withBytes({ 1: 0x80 }), 8],
    ['bit 13', withBytes({ 1: 0x04 }), 13],
    ['several bits, first counts', withBytes({ 2: 0x30, 5: 0xff }), 18],
    ['bit 30', withBytes({ 3: 0x02 }), 30],
    ['bit 31', withBytes({ 3: 0x01 }), 31],
    ['beyond 31 is capped', withBytes({ 4: 0x80 }), 31],
    ['equal', zero, 31],
  ];
  for (const [name, other, po] of table) {
    it(`${name} → ${po}`, () => {
      assert.equal(proximity(zero, other), po);
      assert.equal(proximity(other, zero), po);
    });
  }

  const addr = fc.uint8Array({ minLength: 32, maxLength: 32 });
  it('is symmetric, po(a, a) = MAX_PO, and within 0..31', () => {
    fc.assert(
      fc.property(addr, addr, (a, b) => {
        const po = proximity(a, b);
        assert.equal(po, proximity(b, a));
        assert.ok(po >= 0 && po <= MAX_PO);
        assert.equal(proximity(a, a), MAX_PO);
      }),
    );
  });

  it('equals the count of leading equal bits (reference implementation)', () => {
    fc.assert(
      fc.property(addr, fc.nat(255), fc.nat(7), (a, byteIndex, bit) => {
        const b = a.slice();
        const i = byteIndex % 32;
        b[i] = (b[i] as number) ^ (0x80 >> bit);
        assert.equal(proximity(a, b), Math.min(i * 8 + bit, MAX_PO));
      }),
    );
  });

  it('ultrametric: po(a, c) >= min(po(a, b), po(b, c))', () => {
    fc.assert(
      fc.property(addr, addr, addr, (a, b, c) => {
        assert.ok(proximity(a, c) >= Math.min(proximity(a, b), proximity(b, c)));
      }),
    );
  });

  it('rejects addresses that are not 32 bytes', () => {
    assert.throws(
      () => proximity(new Uint8Array(31), zero),
      (e) => isMurmurError(e, 'MURMUR_OVERLAY_BAD_ADDRESS'),
    );
    assert.throws(
      () => fromHex('abc'),
      (e) => isMurmurError(e, 'MURMUR_OVERLAY_BAD_ADDRESS'),
    );
  });
});

describe('overlayAddress', () => {
  it('is SHA-256(peer id bytes || network id)', () => {
    const a = overlayAddress(new Uint8Array([1, 2, 3]), 'murmur');
    assert.equal(a.length, 32);
    // sha256(0x010203 || "murmur"), computed with: printf '\x01\x02\x03murmur' | sha256sum
    assert.equal(toHex(a), '6667428e2e1d09bef0715f8d5d017293c18b36af8c7b0434dfa5c1f9966d8095');
    assert.notEqual(toHex(a), toHex(overlayAddress(new Uint8Array([1, 2, 3]), 'other')));
    assert.deepEqual(fromHex(toHex(a)), a);
  });
});

describe('neighbourhood depth (saturation 8, low watermark 2)', () => {
  const bins = (entries: Record<number, number>): number[] => {
    const b = new Array<number>(32).fill(0);
    for (const [i, n] of Object.entries(entries)) b[Number(i)] = n;
    return b;
  };
  const table: Array<[string, number[], number]> = [
    ['no peers', bins({}), 0],
    ['two peers only', bins({ 0: 1, 5: 1 }), 0],
    ['bin 0 unsaturated', bins({ 0: 3, 5: 5 }), 0],
    ['bins 0-1 saturated, bin 2 has 3', bins({ 0: 8, 1: 8, 2: 3 }), 2],
    ['shallowest unsaturated is 3', bins({ 0: 8, 1: 9, 2: 8, 3: 1, 4: 1 }), 3],
    ['empty bin 3 between saturated and deeper peers', bins({ 0: 8, 1: 8, 2: 8, 4: 2 }), 3],
    ['low watermark caps depth: one deep peer', bins({ 0: 8, 1: 8, 2: 8, 3: 8, 10: 1 }), 3],
    ['all saturated', new Array<number>(32).fill(8), 31],
  ];
  for (const [name, b, depth] of table) {
    it(`${name} → ${depth}`, () => assert.equal(computeDepth(b, 8, 2), depth));
  }
});
