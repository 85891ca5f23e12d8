import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { decodeHive, encodeHive, MAX_HIVE_MESSAGE_BYTES, type OverlayPeer } from '../../src/overlay/index.ts';

const peerArb: fc.Arbitrary<OverlayPeer> = fc.record({
  peerId: fc.string({ minLength: 1, maxLength: 60 }),
  overlay: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  addresses: fc.array(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 4 }),
});

function decodesOrThrowsStable(bytes: Uint8Array): void {
  try {
    for (const p of decodeHive(bytes)) {
      assert.equal(p.overlay.length, 32);
      assert.ok(p.peerId.length > 0);
    }
  } catch (err) {
    assert.ok(
      isMurmurError(err, 'MURMUR_OVERLAY_HIVE_INVALID') ||
        isMurmurError(err, 'MURMUR_OVERLAY_HIVE_TOO_LARGE'),
      String(err),
    );
  }
}

describe('hive codec', () => {
  it('round-trips peers', () => {
    fc.assert(
      fc.property(fc.array(peerArb, { maxLength: 20 }), (peers) => {
        const back = decodeHive(encodeHive(peers));
        assert.deepEqual(
          back.map((p) => ({ ...p, overlay: [...p.overlay] })),
          peers.map((p) => ({ ...p, overlay: [...p.overlay] })),
        );
      }),
    );
  });

  it('random bytes decode or throw a stable code', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), decodesOrThrowsStable), { numRuns: 3000 });
  });

  it('corrupted and truncated messages decode or throw a stable code', () => {
    fc.assert(
      fc.property(
        fc.array(peerArb, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat(255),
        (peers, pos, byte) => {
          const bytes = encodeHive(peers);
          const i = pos % bytes.length;
          const c = bytes.slice();
          c[i] = byte;
          decodesOrThrowsStable(c);
          decodesOrThrowsStable(bytes.subarray(0, i));
        },
      ),
    );
  });

  it('checks the size cap before decoding and rejects short overlays', () => {
    assert.throws(
      () => decodeHive(new Uint8Array(MAX_HIVE_MESSAGE_BYTES + 1)),
      (e) => isMurmurError(e, 'MURMUR_OVERLAY_HIVE_TOO_LARGE'),
    );
    const bad = encodeHive([{ peerId: 'x', overlay: new Uint8Array(5), addresses: [] }]);
    assert.throws(
      () => decodeHive(bad),
      (e) => isMurmurError(e, 'MURMUR_OVERLAY_HIVE_INVALID'),
    );
  });

  it('decoded overlays are copies, not views of the received message', () => {
    const peer = { peerId: 'p1', overlay: new Uint8Array(32).fill(7), addresses: ['/ip4/1.2.3.4/tcp/1'] };
    const bytes = encodeHive([peer]);
    const [back] = decodeHive(bytes);
    assert.deepEqual(back!.overlay, peer.overlay);
    assert.notEqual(back!.overlay.buffer, bytes.buffer);
    assert.equal(back!.overlay.byteLength, back!.overlay.buffer.byteLength);
  });
});
