import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addInto } from '../../src/tree/fingerprint.ts';
import { IdSet } from '../../src/tree/idset.ts';
import { pickPeers } from '../../src/tree/net/push.ts';
import { KIND_ENTRY, RecordTable } from '../../src/tree/record-table.ts';

const idArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
// few distinct first bytes so that ids share prefixes and blocks split and empty
const opArb = fc.tuple(fc.boolean(), fc.nat(400), idArb);

describe('IdSet (incremental) and RecordTable', () => {
  it('property: after random adds and removes, order, ranges and range sums match a rebuilt set', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 700 }), (ops) => {
        const s = new IdSet();
        const ref = new Map<string, Uint8Array>();
        const pool: Uint8Array[] = [];
        for (const [add, pick, fresh] of ops) {
          if (add || pool.length === 0) {
            fresh[0] = fresh[0]! % 4;
            pool.push(fresh);
            assert.equal(s.add(fresh), !ref.has(Buffer.from(fresh).toString('hex')));
            ref.set(Buffer.from(fresh).toString('hex'), fresh);
          } else {
            const victim = pool[pick % pool.length]!;
            assert.equal(s.remove(victim), ref.delete(Buffer.from(victim).toString('hex')));
          }
        }
        const sorted = [...ref.values()].sort((a, b) => Buffer.compare(a, b));
        const rebuilt = IdSet.from(sorted);
        assert.equal(s.size, sorted.length);
        assert.equal(rebuilt.size, sorted.length);
        sorted.forEach((id, i) => {
          assert.deepEqual(s.id(i), id);
          assert.ok(s.has(id));
        });
        for (let depth = 0; depth <= 6; depth += 2) {
          for (let prefix = 0; prefix < 2 ** depth; prefix++) {
            const [lo, hi] = s.range(depth, prefix);
            assert.deepEqual(rebuilt.range(depth, prefix), [lo, hi]);
            const want = new Uint32Array(8);
            for (let i = lo; i < hi; i++) addInto(want, sorted[i]!, 1);
            const got = new Uint32Array(8);
            s.sumRange(lo, hi, got);
            assert.deepEqual(got, want);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: the record table finds exactly the ids it holds across growth and deletions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(10_000), idArb), { maxLength: 600 }), (ops) => {
        const t = new RecordTable();
        const ref = new Map<string, number>();
        const pool: Uint8Array[] = [];
        for (const [add, pick, id] of ops) {
          const hex = Buffer.from(id).toString('hex');
          if (add || pool.length === 0) {
            if (ref.has(hex)) continue;
            ref.set(hex, t.alloc(id, KIND_ENTRY));
            pool.push(id);
          } else {
            const victim = pool.splice(pick % pool.length, 1)[0]!;
            const vh = Buffer.from(victim).toString('hex');
            t.free(ref.get(vh)!);
            ref.delete(vh);
          }
          assert.equal(t.count, ref.size);
        }
        for (const [hex, slot] of ref) {
          assert.equal(t.find(Buffer.from(hex, 'hex')), slot);
          assert.equal(Buffer.from(t.id(slot)).toString('hex'), hex);
        }
        for (const [, , id] of ops.slice(0, 50))
          if (!ref.has(Buffer.from(id).toString('hex'))) assert.equal(t.find(id), -1);
      }),
      { numRuns: 100 },
    );
  });
});

describe('push fan-out', () => {
  it('pickPeers: at most fanout peers, never the source, the closest half first, all when few', () => {
    const peers = Array.from({ length: 20 }, (_, i) => ({ peerId: `p${i}`, po: i % 7 }));
    const got = pickPeers(peers, 'p6', 8);
    assert.equal(got.length, 8);
    assert.equal(new Set(got).size, 8);
    assert.ok(!got.includes('p6'));
    // po 6 peers are p6 (source), p13; po 5: p5, p12, p19
    assert.deepEqual(got.slice(0, 4).sort(), ['p12', 'p13', 'p19', 'p5']);
    assert.deepEqual(pickPeers(peers.slice(0, 5), 'p0', 8).sort(), ['p1', 'p2', 'p3', 'p4']);
    assert.equal(pickPeers(peers, '', 0).length, 20);
  });
});
