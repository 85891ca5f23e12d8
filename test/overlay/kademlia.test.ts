import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { Kademlia, type OverlayPeer, proximity } from '../../src/overlay/index.ts';
import { addressAtPo, peerAtPo } from './helpers.ts';

const base = new Uint8Array(32).fill(0x55);

describe('Kademlia table', () => {
  it('puts peers in bins by proximity and ignores itself', () => {
    const k = new Kademlia({ base });
    assert.equal(k.addKnown(peerAtPo(base, 0, 1)), true);
    assert.equal(k.addKnown(peerAtPo(base, 3, 1)), true);
    assert.equal(k.addKnown({ peerId: 'me', overlay: base.slice(), addresses: [] }), false);
    k.connected(peerAtPo(base, 3, 2));
    assert.equal(k.knownBins()[0], 1);
    assert.equal(k.knownBins()[3], 2);
    assert.equal(k.bins()[3], 1);
    assert.equal(k.isConnected('p3-2'), true);
    assert.equal(k.isConnected('p3-1'), false);
    assert.throws(
      () => k.addKnown({ peerId: 'x', overlay: new Uint8Array(3), addresses: [] }),
      (e) => isMurmurError(e, 'MURMUR_OVERLAY_BAD_ADDRESS'),
    );
  });

  it('emits depth changes as bins saturate and unsaturate', () => {
    const k = new Kademlia({ base, saturation: 2, lowWatermark: 1 });
    const events: string[] = [];
    k.on('depth', (e) => events.push(`${e.previous}->${e.depth}`));
    k.connected(peerAtPo(base, 0, 1));
    k.connected(peerAtPo(base, 0, 2)); // bin 0 saturated, but the only peers are in bin 0 → 0
    assert.equal(k.depth, 0);
    k.connected(peerAtPo(base, 1, 1)); // bin 1 unsaturated → 1
    k.connected(peerAtPo(base, 1, 2)); // bins 0, 1 saturated, deepest peers in bin 1 → 1
    assert.equal(k.depth, 1);
    k.connected(peerAtPo(base, 5, 1)); // bin 2 empty; deepest peer at 5 → depth 2
    assert.equal(k.depth, 2);
    k.disconnected('p0-1');
    assert.equal(k.depth, 0);
    assert.deepEqual(events, ['0->1', '1->2', '2->0']);
    assert.deepEqual(
      k
        .neighbourhood()
        .map((p) => p.peerId)
        .sort(),
      ['p0-2', 'p1-1', 'p1-2', 'p5-1'],
    );
  });

  it('suggests the shallowest unsaturated bin first, counting dials in flight', () => {
    const k = new Kademlia({ base, saturation: 2 });
    for (let n = 0; n < 4; n++) {
      k.addKnown(peerAtPo(base, 0, n));
      k.addKnown(peerAtPo(base, 1, n));
    }
    k.addKnown(peerAtPo(base, 6, 0));
    k.connected(peerAtPo(base, 0, 0));
    const first = k.suggestDial({ limit: 10 });
    // bin 0 needs 1 more, bin 1 needs 2, bin 6 needs 1 (deficits, shallowest first)
    assert.deepEqual(
      first.map((p) => p.peerId),
      ['p0-1', 'p1-0', 'p1-1', 'p6-0'],
    );
    const pending = new Set(['p0-1', 'p1-0']);
    assert.deepEqual(
      k.suggestDial({ limit: 10, pending }).map((p) => p.peerId),
      ['p1-1', 'p6-0'],
    );
    assert.deepEqual(
      k.suggestDial({ limit: 10, pending, exclude: (id) => id === 'p1-1' }).map((p) => p.peerId),
      ['p1-2', 'p6-0'],
    );
    assert.equal(k.suggestDial().length, 1);
  });

  it('when no bin needs more, suggests the rest of the neighbourhood', () => {
    const k = new Kademlia({ base, saturation: 2 });
    k.connected(peerAtPo(base, 0, 0));
    k.connected(peerAtPo(base, 0, 1));
    k.addKnown(peerAtPo(base, 0, 2)); // bin 0 saturated, below depth: not suggested
    k.connected(peerAtPo(base, 2, 0));
    k.connected(peerAtPo(base, 2, 1));
    k.addKnown(peerAtPo(base, 2, 2)); // saturated but in the neighbourhood
    assert.equal(k.depth, 1);
    assert.deepEqual(
      k.suggestDial({ limit: 5 }).map((p) => p.peerId),
      ['p2-2'],
    );
    k.connected(peerAtPo(base, 2, 2));
    assert.deepEqual(k.suggestDial({ limit: 5 }), []);
  });

  it('hive: closest to the target first, per-bin cap, limit, never the target itself', () => {
    const k = new Kademlia({ base, gossipPerBin: 2, gossipLimit: 3 });
    const target = addressAtPo(base, 0, 99); // in our bin 0
    for (let n = 0; n < 5; n++) {
      k.connected(peerAtPo(base, 0, n)); // po 31 to the target (same first 32 bits)
      k.addKnown(peerAtPo(base, 4, n)); // po 0 to the target
    }
    k.addKnown({ peerId: 'target', overlay: target, addresses: [] });
    const out = k.peersToGossip(target);
    assert.equal(out.length, 3);
    assert.ok(!out.some((p) => p.peerId === 'target'));
    const pos = out.map((p) => proximity(target, p.overlay));
    assert.deepEqual(
      pos,
      [...pos].sort((a, b) => b - a),
      'deepest first',
    );
    const counts = new Map<number, number>();
    for (const po of pos) counts.set(po, (counts.get(po) ?? 0) + 1);
    for (const n of counts.values()) assert.ok(n <= 2);
    assert.ok(pos.includes(0), 'shallow bins of the target are offered too');
    assert.equal(k.peersToGossip(target, { limit: 2 }).length, 2);
  });

  it('removeKnown forgets a connected peer and recomputes depth', () => {
    const k = new Kademlia({ base, saturation: 1, lowWatermark: 1 });
    k.connected(peerAtPo(base, 0, 0));
    k.connected(peerAtPo(base, 1, 0));
    k.connected(peerAtPo(base, 2, 0));
    assert.equal(k.depth, 2);
    k.removeKnown('p1-0');
    assert.equal(k.has('p1-0'), false);
    assert.equal(k.depth, 1);
    assert.equal(k.snapshot().connected[1], 0);
  });

  it('hive selection with early stop equals the full scan (property)', () => {
    /** The selection as a full scan of every known peer, bins in ascending order (the reference). */
    const fullScan = (k: Kademlia, to: Uint8Array, limit: number, cap: number): OverlayPeer[] => {
      const groups: OverlayPeer[][] = Array.from({ length: 32 }, () => []);
      const connected = new Set(k.connectedPeers().map((p) => p.peerId));
      const byBin: OverlayPeer[][] = Array.from({ length: 32 }, () => []);
      for (const p of k.connectedPeers()) byBin[k.po(p.overlay)]!.push(p);
      for (const p of k.knownPeers()) if (!connected.has(p.peerId)) byBin[k.po(p.overlay)]!.push(p);
      for (const bin of byBin) {
        for (const p of bin) {
          const g = proximity(to, p.overlay);
          if (groups[g]!.length < cap && !p.overlay.every((v, j) => v === to[j])) groups[g]!.push(p);
        }
      }
      return groups.reverse().flat().slice(0, limit);
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ overlay: fc.uint8Array({ minLength: 32, maxLength: 32 }), connect: fc.boolean() }),
          {
            maxLength: 150,
          },
        ),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 149 }),
        (peers, random, limit, pick) => {
          const k = new Kademlia({ base, gossipPerBin: 4, maxKnownPerBin: 1000 });
          peers.forEach((p, i) => {
            const peer = { peerId: `q${i}`, overlay: p.overlay, addresses: [] };
            if (p.connect) k.connected(peer);
            else k.addKnown(peer);
          });
          // a random target, and one among the known peers (our bin t then holds it)
          for (const to of [random, peers[pick % Math.max(1, peers.length)]?.overlay ?? random]) {
            const got = k.peersToGossip(to, { limit }).map((p) => p.peerId);
            assert.deepEqual(
              got,
              fullScan(k, to, limit, 4).map((p) => p.peerId),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
