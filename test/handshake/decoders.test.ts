import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeAnnounce, encodeAnnounce } from '../../src/discovery/announce.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { decodeHello, encodeHello, MAX_HELLO_BYTES } from '../../src/handshake/index.ts';
import { encodeFrame, FrameDecoder } from '../../src/p2p/index.ts';

const STABLE = new Set(['MURMUR_FRAME_MALFORMED', 'MURMUR_FRAME_TOO_LARGE']);

/** Runs a decoder on untrusted bytes: a result, or a MurmurError with a stable code, nothing else. */
function safely<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (err) {
    assert.ok(isMurmurError(err) && STABLE.has(err.code), `unexpected error ${String(err)}`);
    return undefined;
  }
}

/** Splits bytes into random chunks. */
const split = (bytes: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.byteLength]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
};

test('framing: frames split anywhere decode back to the same messages', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (messages, cuts) => {
        const wire = Buffer.concat(messages.map((m) => encodeFrame(m, 1024)));
        const dec = new FrameDecoder(1024);
        const got = split(new Uint8Array(wire), cuts).flatMap((c) => dec.push(c));
        assert.deepEqual(
          got.map((g) => Buffer.from(g).toString('hex')),
          messages.map((m) => Buffer.from(m).toString('hex')),
        );
        assert.equal(dec.buffered, 0);
      },
    ),
  );
});

test('framing: random and corrupted bytes give frames within the cap or a stable error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      const dec = new FrameDecoder(256);
      safely(() => {
        for (const c of split(bytes, cuts)) for (const f of dec.push(c)) assert.ok(f.byteLength <= 256);
      });
    }),
  );
});

test('framing: the cap is enforced before the body arrives', () => {
  const dec = new FrameDecoder(100);
  assert.throws(
    () => dec.push(Uint8Array.from([0xe5, 0x8e, 0x26])), // 624485 announced, no body sent
    (e: unknown) => isMurmurError(e, 'MURMUR_FRAME_TOO_LARGE'),
  );
  assert.throws(
    () => dec.push(new Uint8Array(1)),
    (e: unknown) => isMurmurError(e, 'MURMUR_FRAME_TOO_LARGE'),
  );
  assert.throws(
    () => new FrameDecoder(100).push(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    (e: unknown) => isMurmurError(e, 'MURMUR_FRAME_MALFORMED'),
  );
});

const hello = fc.record({
  networkId: fc.string({ maxLength: 40 }),
  overlay: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  protocols: fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }),
  addrs: fc.constantFrom<string[]>(
    [],
    ['/ip4/127.0.0.1/tcp/9021'],
    ['/ip4/10.0.0.1/tcp/1', '/ip6/::1/tcp/2'],
  ),
});

test('hello: encode/decode round trip', () => {
  fc.assert(
    fc.property(hello, (h) => {
      const back = decodeHello(encodeHello(h));
      assert.equal(back.networkId, h.networkId);
      assert.deepEqual([...back.overlay], [...h.overlay]);
      assert.deepEqual(back.protocols, h.protocols);
      assert.deepEqual(back.addrs, h.addrs);
      assert.equal(back.refused, undefined);
    }),
  );
});

test('hello: random, truncated and corrupted bytes never crash the decoder', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      safely(() => decodeHello(bytes));
    }),
  );
  fc.assert(
    fc.property(hello, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (h, cut, at, flip) => {
      const bytes = encodeHello(h);
      safely(() => decodeHello(bytes.subarray(0, cut % (bytes.byteLength + 1))));
      const corrupt = Uint8Array.from(bytes);
      if (corrupt.byteLength > 0) corrupt[at % corrupt.byteLength]! ^= flip;
      const r = safely(() => decodeHello(corrupt));
      if (r !== undefined && r.refused === undefined) assert.equal(r.overlay.byteLength, 32);
    }),
  );
  assert.throws(
    () => decodeHello(new Uint8Array(MAX_HELLO_BYTES + 1)),
    (e: unknown) => isMurmurError(e, 'MURMUR_FRAME_TOO_LARGE'),
  );
});

test('announce: round trip and hostile bytes', () => {
  const peerId = '12D3KooWDnFikzENaoHLKUnNou7w3WqRM7NNhpNWTRWtqHVLdMwi';
  const a = decodeAnnounce(encodeAnnounce({ peerId, addrs: ['/ip4/10.77.0.1/tcp/9021'] }));
  assert.deepEqual(a, { peerId, addrs: ['/ip4/10.77.0.1/tcp/9021'] });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
      safely(() => decodeAnnounce(bytes));
    }),
  );
});
