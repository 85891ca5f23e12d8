import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { grantId } from '../../src/tree/codec.ts';
import { HlcClock, packHlc } from '../../src/tree/hlc.ts';
import { toHex } from '../../src/tree/keys.ts';
import { makeEntry, makeGrant, makeRevocation } from '../../src/tree/records.ts';
import { type TreeRecord, TreeState } from '../../src/tree/state.ts';
import { TreeStore } from '../../src/tree/store.ts';
import { Tree } from '../../src/tree/tree.ts';
import { apply, dec, enc, keyPool, memoryDb, openTree, shuffledWithDups } from './helpers.ts';

const [root, alice, bob] = keyPool as [(typeof keyPool)[0], (typeof keyPool)[0], (typeof keyPool)[0]];
const T = 1_700_000_000_000;
const tree = root.publicKey;

// A fixed universe of records: grants (one later revoked), entries by root and grantees on
// overlapping keys at various timestamps, tombstones, and revocations.
const gA = makeGrant(root, { tree, pattern: '/k/**', subgrant: true, issuee: alice.publicKey, issuedAt: T });
const gB = makeGrant(alice, { tree, pattern: '/k/**', issuee: bob.publicKey, issuedAt: T });
const gB2 = makeGrant(root, { tree, pattern: '/k/*', issuee: bob.publicKey, issuedAt: T });
const chainA = [grantId(gA)];
const chainB = [grantId(gA), grantId(gB)];
const chainB2 = [grantId(gB2)];
const keys = ['/k/1', '/k/2', '/k/3'];
const universe: TreeRecord[] = [
  { kind: 'grant', record: gA },
  { kind: 'grant', record: gB },
  { kind: 'grant', record: gB2 },
  { kind: 'revocation', record: makeRevocation(alice, { tree, grantId: grantId(gB), revokedAt: T + 50 }) },
];
let n = 0;
for (const key of keys) {
  for (const [signer, grants] of [
    [root, []],
    [alice, chainA],
    [bob, chainB],
    [bob, chainB2],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      n++;
      const value = n % 5 === 0 ? null : enc(`${key}:${n}`);
      universe.push({
        kind: 'entry',
        record: makeEntry(signer, {
          tree,
          key,
          value,
          timestamp: packHlc(T + ((n * 7) % 23), n % 3),
          grants: [...grants],
        }),
      });
    }
  }
}

function snapshot(s: TreeState): string {
  return JSON.stringify({
    root: toHex(s.fingerprint.hash()),
    visible: [...s.visibleEntries()].map((e) => [e.key, toHex(e.id)]),
  });
}

describe('tree state convergence (property)', () => {
  it('any delivery order and duplication of the same records gives the same tree', () => {
    const reference = new TreeState(tree);
    for (const r of universe) apply(reference, r);
    for (const r of universe) apply(reference, r); // second pass: grants first now known
    const want = snapshot(reference);
    fc.assert(
      fc.property(
        fc.array(fc.nat(universe.length - 1), { minLength: 0, maxLength: 30 }),
        fc.infiniteStream(fc.nat()),
        (dups, rnd) => {
          const order = shuffledWithDups(universe, dups, rnd);
          const s = new TreeState(tree);
          // grants ride with entries in bundles: deliver the shuffled stream twice (the second pass
          // stands for the peer resending what was refused for a missing grant)
          for (const r of order) apply(s, r);
          for (const r of order) apply(s, r);
          assert.equal(snapshot(s), want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a revoked grant stays revoked when the grant arrives after its revocation', () => {
    const s = new TreeState(tree);
    s.addRevocation(universe[3]!.record as never);
    s.addGrant(gA);
    s.addGrant(gB);
    assert.throws(() =>
      s.addEntry(
        makeEntry(bob, { tree, key: '/k/9', value: enc('x'), timestamp: packHlc(T + 1, 0), grants: chainB }),
      ),
    );
  });
});

describe('TreeStore persistence', () => {
  it('reloads the same tree from the database, root hash included', async () => {
    const db = memoryDb();
    const t = await openTree(root, root, {}, db);
    await t.put('/a', enc('1'));
    await t.put('/b', enc('2'));
    await t.del('/a');
    const g = await t.grant({ to: toHex(alice.publicKey), pattern: '/x/**' });
    await t.revoke(toHex(grantId(g)));
    const hash = toHex(t.rootHash());
    await t.store.close();
    await db.close();
    const store2 = new TreeStore(db);
    await store2.open();
    const t2 = await Tree.open(store2, t.rootHex);
    assert.equal(toHex(t2.rootHash()), hash);
    assert.equal(dec((await t2.get('/b'))?.value), '2');
    assert.equal(await t2.get('/a'), undefined);
    assert.equal(t2.grants()[0]?.revoked, true);
    await db.close();
  });

  it('refuses entries further in the future than the allowed drift (an hour-fast clock does not win)', async () => {
    const fast = await openTree(root, root, { clock: new HlcClock({ now: () => Date.now() + 3_600_000 }) });
    const normal = await openTree(root, root);
    const e = await fast.put('/k', enc('fast'));
    const res = await normal.ingest({ entries: [e] });
    assert.equal(res.refused[0]?.code, 'MURMUR_TREE_CLOCK_SKEW');
    await normal.put('/k', enc('normal'));
    assert.equal(dec((await normal.get('/k'))?.value), 'normal');
  });

  it('a node restarted with its clock set back still stamps its writes after its own earlier ones', async () => {
    const db = memoryDb();
    const ahead = Date.now() + 10 * 60_000;
    const fast = await openTree(root, root, { clock: new HlcClock({ now: () => ahead }) }, db);
    await fast.put('/k', enc('before the restart'));
    await fast.store.close();
    // reopened on the same database with the real (10 minutes earlier) wall clock
    const store2 = new TreeStore(db);
    await store2.open();
    const later = await Tree.open(store2, toHex(root.publicKey), { signer: root, clock: new HlcClock() });
    const e = await later.put('/k', enc('after the restart'));
    assert.ok(e.timestamp > packHlc(ahead, 0), 'the HLC starts above the newest stored entry');
    assert.equal(dec((await later.get('/k'))?.value), 'after the restart');
    await db.close();
  });

  it('refuses a root grant or revocation dated further ahead than the drift bound (a year-ahead grant is not admitted)', async () => {
    const normal = await openTree(root, root);
    const tree = root.publicKey;
    const yearAhead = Date.now() + 365 * 24 * 3_600_000;
    const g = makeGrant(root, { tree, pattern: '/x/**', issuee: alice.publicKey, issuedAt: yearAhead });
    const res = await normal.ingest({ grants: [g] });
    assert.deepEqual(
      res.refused.map((r) => [r.kind, r.code]),
      [['grant', 'MURMUR_TREE_CLOCK_SKEW']],
    );
    assert.equal(normal.grants().length, 0);
    // within the bound it is admitted, and a revocation dated a year ahead is refused the same way
    const ok = makeGrant(root, { tree, pattern: '/x/**', issuee: alice.publicKey, issuedAt: Date.now() });
    assert.equal((await normal.ingest({ grants: [ok] })).refused.length, 0);
    const r = makeRevocation(root, { tree, grantId: grantId(ok), revokedAt: yearAhead });
    const res2 = await normal.ingest({ revocations: [r] });
    assert.deepEqual(
      res2.refused.map((x) => [x.kind, x.code]),
      [['revocation', 'MURMUR_TREE_CLOCK_SKEW']],
    );
    assert.equal(normal.grants()[0]?.revoked, false);
  });
});
