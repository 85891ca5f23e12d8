import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { IdSet } from '../../src/tree/idset.ts';
import { toHex } from '../../src/tree/keys.ts';
import { Reconciler, reconcileInMemory } from '../../src/tree/reconcile.ts';
import { enc, keyPool, openTree } from './helpers.ts';

const id = (): Uint8Array => new Uint8Array(randomBytes(32));

function sets(common: number, onlyA: number, onlyB: number) {
  const c = Array.from({ length: common }, id);
  const a = Array.from({ length: onlyA }, id);
  const b = Array.from({ length: onlyB }, id);
  return { A: IdSet.from([...c, ...a]), B: IdSet.from([...c, ...b]), a, b };
}

const hexes = (xs: Uint8Array[]) => new Set(xs.map(toHex));

describe('set reconciliation', () => {
  it('equal sets: one round trip, under 100 bytes', () => {
    const { A, B } = sets(20_000, 0, 0);
    const r = reconcileInMemory(A, B);
    assert.equal(r.roundTrips, 1);
    assert.ok(r.bytesUp + r.bytesDown < 100, `${r.bytesUp + r.bytesDown} bytes`);
    assert.equal(r.initiator.have.length + r.initiator.need.length, 0);
  });

  it('property: each side learns exactly which of its ids the other lacks', () => {
    fc.assert(
      fc.property(
        fc.nat(3000),
        fc.nat(300),
        fc.nat(300),
        fc.integer({ min: 1, max: 8 }),
        (common, oa, ob, bits) => {
          const { A, B, a, b } = sets(common, oa, ob);
          const r = reconcileInMemory(A, B, { maxSplitBits: bits, idlistThreshold: 16, splitTarget: 8 });
          assert.deepEqual(hexes(r.initiator.have), hexes(a));
          assert.deepEqual(hexes(r.responder.have), hexes(b));
          assert.equal(r.initiator.need.length, b.length);
          assert.equal(r.responder.need.length, a.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('bytes grow with the differences, not with the set', () => {
    const small = reconcileInMemory(...(Object.values(sets(2_000, 1, 0)).slice(0, 2) as [IdSet, IdSet]));
    const big = reconcileInMemory(...(Object.values(sets(100_000, 1, 0)).slice(0, 2) as [IdSet, IdSet]));
    const total = (r: typeof small) => r.bytesUp + r.bytesDown;
    assert.ok(total(big) < 3 * total(small) + 2000, `${total(small)} vs ${total(big)}`);
  });

  it('decoder: random and corrupted messages throw a MurmurError or are answered, never crash', () => {
    const { A, B } = sets(500, 20, 20);
    const init = new Reconciler(A);
    const first = init.initiate();
    const resp = new Reconciler(B);
    const second = resp.receive(first)!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), fc.nat(255), (junk, pos, byte) => {
        for (const msg of [junk, mutate(second, pos, byte), second.subarray(0, pos % second.length)]) {
          const r = new Reconciler(A);
          r.initiate();
          try {
            r.receive(msg);
          } catch (e) {
            assert.ok(isMurmurError(e), String(e));
          }
          const fresh = new Reconciler(B);
          try {
            fresh.receive(msg);
          } catch (e) {
            assert.ok(isMurmurError(e), String(e));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('two trees converge by reconciliation plus transfer of the missing records', async () => {
    const [root, alice] = keyPool as [(typeof keyPool)[0], (typeof keyPool)[0]];
    const x = await openTree(root);
    const y = await openTree(root);
    const g = await x.grant({ to: toHex(alice.publicKey), pattern: '/alice/**' });
    const xa = await openTree(root, alice, {}, undefined);
    for (let i = 0; i < 50; i++) await x.put(`/common/${i}`, enc(`${i}`));
    await y.ingest(await x.bundleFor(allIds(x)));
    await xa.ingest(await x.bundleFor(allIds(x)));
    for (let i = 0; i < 10; i++) await xa.put(`/alice/${i}`, enc(`a${i}`));
    await x.ingest(await xa.bundleFor(allIds(xa)));
    for (let i = 0; i < 7; i++) await y.put(`/y/${i}`, enc(`y${i}`));
    assert.notEqual(toHex(x.rootHash()), toHex(y.rootHash()));
    const r = reconcileInMemory(x.state.idSet(), y.state.idSet());
    await y.ingest(await x.bundleFor(r.initiator.have.map(toHex)));
    await x.ingest(await y.bundleFor(r.responder.have.map(toHex)));
    assert.equal(toHex(x.rootHash()), toHex(y.rootHash()));
    assert.equal((await y.list(['/alice/**'])).length, 10);
    void g;
  });
});

function allIds(t: Awaited<ReturnType<typeof openTree>>): string[] {
  const s = t.state.idSet();
  return Array.from({ length: s.size }, (_, i) => toHex(s.id(i)));
}

function mutate(msg: Uint8Array, pos: number, byte: number): Uint8Array {
  const m = new Uint8Array(msg);
  m[pos % m.length] = byte;
  return m;
}
