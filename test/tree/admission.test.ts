import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { encodeGrant, encodeRevocation, grantId, revocationId } from '../../src/tree/codec.ts';
import { packHlc } from '../../src/tree/hlc.ts';
import { generateSigner, type Signer, toHex } from '../../src/tree/keys.ts';
import { PendingPool } from '../../src/tree/pending.ts';
import { makeEntry, makeGrant, makeRevocation } from '../../src/tree/records.ts';
import { type TreeRecord, TreeState } from '../../src/tree/state.ts';
import { TreeStore } from '../../src/tree/store.ts';
import { Tree } from '../../src/tree/tree.ts';
import type { Grant, Revocation } from '../../src/tree/types.ts';
import { apply, dec, enc, memoryDb, openTree, shuffledWithDups } from './helpers.ts';

const T = 1_700_000_000_000;
const ts = (ms: number) => packHlc(ms, 0);
const [root, alice, bob, carol, mallory, eve] = Array.from({ length: 6 }, () =>
  generateSigner(),
) as unknown as [Signer, Signer, Signer, Signer, Signer, Signer];
const tree = root.publicKey;
const gid = (g: Grant) => toHex(grantId(g));

/** Everything a peer could see of a tree: root hash, record count, ids, visible entries. */
function snapshot(s: TreeState): string {
  const ids: string[] = [];
  const set = s.idSet();
  for (let i = 0; i < set.size; i++) ids.push(toHex(set.id(i)));
  return JSON.stringify({
    root: toHex(s.fingerprint.hash()),
    size: s.size,
    ids: ids.sort(),
    grants: s.allGrants().map(gid).sort(),
    revocations: s
      .allRevocations()
      .map((r) => toHex(revocationId(r)))
      .sort(),
    visible: [...s.visibleEntries()].map((e) => [e.key, toHex(e.id)]),
  });
}

// a chain root → alice → bob → carol, a branch root → eve (revoked by the root, with a sub-grant
// below it that the revocation cuts off), and junk: self-made, escalating and outside grants,
// revocations by strangers and by keys below the grant
const gA = makeGrant(root, { tree, pattern: '/k/**', subgrant: true, issuee: alice.publicKey, issuedAt: T });
const gB = makeGrant(alice, {
  tree,
  pattern: '/k/**',
  subgrant: true,
  issuee: bob.publicKey,
  issuedAt: T + 1,
});
const gC = makeGrant(bob, { tree, pattern: '/k/c/**', issuee: carol.publicKey, issuedAt: T + 2 });
const gE = makeGrant(root, { tree, pattern: '/e/**', subgrant: true, issuee: eve.publicKey, issuedAt: T });
const gE2 = makeGrant(eve, { tree, pattern: '/e/2/**', issuee: bob.publicKey, issuedAt: T + 1 });
const revE = makeRevocation(root, { tree, grantId: grantId(gE), revokedAt: T + 40 });
const revC = makeRevocation(bob, { tree, grantId: grantId(gC), revokedAt: T + 30 });
const junk: TreeRecord[] = [
  {
    kind: 'grant',
    record: makeGrant(mallory, { tree, pattern: '/**', issuee: mallory.publicKey, issuedAt: T }),
  },
  // carol's grant does not allow sub-grants
  {
    kind: 'grant',
    record: makeGrant(carol, { tree, pattern: '/k/c/x', issuee: mallory.publicKey, issuedAt: T + 3 }),
  },
  // outside alice's pattern
  {
    kind: 'grant',
    record: makeGrant(alice, { tree, pattern: '/z/**', issuee: mallory.publicKey, issuedAt: T + 3 }),
  },
  // issued before the parent
  {
    kind: 'grant',
    record: makeGrant(alice, { tree, pattern: '/k/y', issuee: mallory.publicKey, issuedAt: T - 5 }),
  },
  // below eve's revoked grant, issued after the revocation was made: still cut off
  {
    kind: 'grant',
    record: makeGrant(eve, { tree, pattern: '/e/9', issuee: mallory.publicKey, issuedAt: T + 50 }),
  },
  { kind: 'revocation', record: makeRevocation(mallory, { tree, grantId: grantId(gA), revokedAt: T + 9 }) },
  { kind: 'revocation', record: makeRevocation(carol, { tree, grantId: grantId(gB), revokedAt: T + 9 }) },
  {
    kind: 'revocation',
    record: makeRevocation(mallory, { tree, grantId: new Uint8Array(32).fill(7), revokedAt: T }),
  },
];
const legit: TreeRecord[] = [
  { kind: 'grant', record: gA },
  { kind: 'grant', record: gB },
  { kind: 'grant', record: gC },
  { kind: 'grant', record: gE },
  { kind: 'grant', record: gE2 },
  { kind: 'revocation', record: revE },
  { kind: 'revocation', record: revC },
];
const entry = (signer: Signer, key: string, at: number, chain: Grant[]): TreeRecord => ({
  kind: 'entry',
  record: makeEntry(signer, {
    tree,
    key,
    value: enc(`${key}@${at}`),
    timestamp: ts(at),
    grants: chain.map(grantId),
  }),
});
const entries: TreeRecord[] = [
  entry(root, '/k/1', T + 10, []),
  entry(alice, '/k/1', T + 11, [gA]),
  entry(bob, '/k/2', T + 12, [gA, gB]),
  entry(carol, '/k/c/1', T + 13, [gA, gB, gC]),
  entry(eve, '/e/1', T + 14, [gE]),
  entry(bob, '/e/2/x', T + 15, [gE, gE2]),
];
const universe = [...legit, ...junk, ...entries];

describe('tree admission: only grants and revocations with authority are stored', () => {
  it('a key with no chain signs a grant and a revocation: root hash, count and reconcile set unchanged', () => {
    const s = new TreeState(tree);
    apply(s, { kind: 'grant', record: gA });
    apply(s, entries[0]!);
    const before = snapshot(s);
    const idsBefore = s.idSet().size;
    const g = makeGrant(mallory, {
      tree,
      pattern: '/**',
      subgrant: true,
      issuee: mallory.publicKey,
      issuedAt: T,
    });
    const r = makeRevocation(mallory, { tree, grantId: grantId(gA), revokedAt: T + 1 });
    const rg = s.addGrant(g);
    const rr = s.addRevocation(r);
    assert.deepEqual([rg.added.length, rg.pending, rr.added.length, rr.pending], [0, 1, 0, 1]);
    assert.equal(snapshot(s), before);
    assert.equal(s.idSet().size, idsBefore);
    assert.equal(s.kindOf(grantId(g)), undefined);
    assert.ok(s.isPending(toHex(grantId(g))) && s.isPending(toHex(revocationId(r))));
    assert.equal(s.pool.size, 2);
    // the junk revocation does not act either
    assert.equal(s.revocationsOf(gid(gA)).length, 0);
  });

  it('a child grant before its parent waits, then is admitted with the parent; same hash as in order', () => {
    const inOrder = new TreeState(tree);
    for (const r of [gA, gB, gC]) inOrder.addGrant(r);
    const s = new TreeState(tree);
    const bobEntry = entries[2]!.record as never;
    assert.equal(s.addGrant(gC).pending, 1);
    assert.equal(s.addGrant(gB).pending, 1);
    assert.ok(isRefused(() => s.addEntry(bobEntry), 'MURMUR_TREE_MISSING_GRANT'));
    const res = s.addGrant(gA);
    assert.deepEqual(
      res.added.map((a) => gid(a.record as Grant)),
      [gA, gB, gC].map(gid),
    );
    assert.equal(s.pool.size, 0);
    assert.equal(toHex(s.fingerprint.hash()), toHex(inOrder.fingerprint.hash()));
    s.addEntry(bobEntry);
    assert.deepEqual(s.latest('/k/2')?.signer, bob.publicKey);
  });

  it('a revocation before its grant waits, then is admitted and acts once the grant arrives', () => {
    const s = new TreeState(tree);
    assert.equal(s.addRevocation(revC).pending, 1);
    s.addGrant(gA);
    s.addGrant(gB);
    const res = s.addGrant(gC);
    assert.deepEqual(
      res.added.map((a) => a.kind),
      ['grant', 'revocation'],
    );
    assert.equal(s.revocationsOf(gid(gC)).length, 1);
    assert.ok(isRefused(() => s.addEntry(entries[3]!.record as never), 'MURMUR_TREE_GRANT_REVOKED'));
  });

  it('revoking a grant demotes the sub-grants it cut off (removed from the hash, back to pending)', () => {
    const s = new TreeState(tree);
    s.addGrant(gE);
    s.addGrant(gE2);
    s.addEntry(entries[5]!.record as never);
    const res = s.addRevocation(revE);
    assert.deepEqual(
      res.demoted.map((d) => gid(d.record as Grant)),
      [gid(gE2)],
    );
    assert.equal(s.grant(gid(gE2)), undefined);
    assert.ok(s.isPending(gid(gE2)));
    assert.equal(s.latest('/e/2/x'), undefined);
    const other = new TreeState(tree);
    for (const r of [revE, gE2, gE] as const)
      apply(other, 'pattern' in r ? { kind: 'grant', record: r } : { kind: 'revocation', record: r });
    assert.equal(toHex(s.fingerprint.hash()), toHex(other.fingerprint.hash()));
  });

  it('property: any order and duplication of authorised and unauthorised records gives the same tree', () => {
    const reference = new TreeState(tree);
    for (let pass = 0; pass < 2; pass++) for (const r of universe) apply(reference, r);
    const want = snapshot(reference);
    // what must (not) be there
    assert.deepEqual(reference.allGrants().map(gid).sort(), [gA, gB, gC, gE].map(gid).sort());
    assert.equal(reference.pool.size, junk.length + 1); // + gE2, cut off by revE
    fc.assert(
      fc.property(
        fc.array(fc.nat(universe.length - 1), { maxLength: 20 }),
        fc.infiniteStream(fc.nat()),
        (dups, rnd) => {
          const order = shuffledWithDups(universe, dups, rnd);
          const s = new TreeState(tree);
          for (const r of order) apply(s, r);
          for (const r of order) apply(s, r); // the peer resends entries refused for a missing grant
          assert.equal(snapshot(s), want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: random grant graphs and revocations give the same admitted sets in any order', () => {
    const keys = [root, alice, bob, carol, mallory];
    const patterns = ['/**', '/a/**', '/a/b/**', '/a/*', '/b/**'];
    const grantArb = fc.record({
      issuer: fc.nat(4),
      issuee: fc.nat(4),
      pattern: fc.constantFrom(...patterns),
      subgrant: fc.boolean(),
      at: fc.nat(5),
      life: fc.constantFrom(0, 2, 10),
    });
    fc.assert(
      fc.property(
        fc.array(grantArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ revoker: fc.nat(4), grant: fc.nat(7) }), { maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        (gs, rs, rnd) => {
          const grants = gs.map((g) =>
            makeGrant(keys[g.issuer]!, {
              tree,
              pattern: g.pattern,
              subgrant: g.subgrant,
              issuee: keys[g.issuee]!.publicKey,
              issuedAt: T + g.at,
              expiresAt: g.life === 0 ? 0 : T + g.at + g.life,
            }),
          );
          const revs: Revocation[] = rs.map((r) =>
            makeRevocation(keys[r.revoker]!, {
              tree,
              grantId: grantId(grants[r.grant % grants.length]!),
              revokedAt: T + 20,
            }),
          );
          const recs: TreeRecord[] = [
            ...grants.map((record) => ({ kind: 'grant' as const, record })),
            ...revs.map((record) => ({ kind: 'revocation' as const, record })),
          ];
          const run = (order: TreeRecord[]): string => {
            const s = new TreeState(tree);
            for (const r of order) apply(s, r);
            return snapshot(s);
          };
          const shuffled = shuffledWithDups(recs, [], rnd);
          const a = run(recs);
          assert.equal(run(shuffled), a);
          assert.equal(run([...recs].reverse()), a);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('tree admission: the pending pool', () => {
  it('is capped by count, bytes, signer and source, oldest first', () => {
    const pool = new PendingPool({ maxRecords: 5, maxBytes: 1e9, maxPerSigner: 2, maxPerSource: 3 });
    const item = (i: number, signer: string, source = '') => ({
      tree: 't',
      idHex: String(i),
      rec: { kind: 'grant' as const, record: { ...gA, issuer: new Uint8Array(32) } },
      bytes: 10,
      signer,
      source,
    });
    pool.add(item(1, 'a'));
    pool.add(item(2, 'a'));
    assert.deepEqual(
      pool.add(item(3, 'a')).evicted.map((e) => e.idHex),
      ['1'],
    );
    for (let i = 4; i <= 7; i++) pool.add(item(i, `s${i}`));
    assert.equal(pool.size, 5);
    assert.ok(!pool.has('t', '2'), 'oldest evicted');
    assert.equal(pool.add(item(8, 'x', 'peer')).sourceOverflow, false);
    pool.add(item(9, 'y', 'peer'));
    pool.add(item(10, 'z', 'peer'));
    const over = pool.add(item(11, 'w', 'peer'));
    assert.equal(over.sourceOverflow, true);
    assert.ok(!pool.has('t', '8'));
    const bytes = new PendingPool({ maxRecords: 100, maxBytes: 25 });
    for (let i = 0; i < 5; i++) bytes.add(item(i, `b${i}`));
    assert.equal(bytes.size, 2);
    assert.equal(bytes.bytes, 20);
  });

  it('a flood of 50,000 junk grants from 1,000 keys: pool at its cap, nothing stored, legit records admitted', async () => {
    const t = await openTree(root);
    await t.put('/before', enc('1'));
    const hash = toHex(t.rootHash());
    const size = t.state.size;
    const floodKeys = Array.from({ length: 1000 }, () => generateSigner());
    let admittedLegit = 0;
    for (let k = 0; k < 1000; k += 40) {
      const grants: Grant[] = [];
      for (const key of floodKeys.slice(k, k + 40))
        for (let i = 0; i < 50; i++)
          grants.push(makeGrant(key, { tree, pattern: `/j/${i}`, issuee: key.publicKey, issuedAt: T + i }));
      const res = await t.ingest({ grants }, {});
      assert.equal(res.added.length, 0);
      assert.equal(res.refused.length, 0);
      // legit grants keep being admitted during the flood
      const g = await t.grant({ to: toHex(generateSigner().publicKey), pattern: `/legit/${k}` });
      if (t.state.grant(gid(g)) !== undefined) admittedLegit++;
    }
    const pool = t.store.pool;
    assert.equal(pool.size, pool.limits.maxRecords);
    assert.ok(pool.bytes <= pool.limits.maxBytes);
    assert.equal(t.store.counters.dropped, 50_000 - pool.limits.maxRecords);
    assert.equal(admittedLegit, 25);
    assert.equal(t.state.size, size + 25);
    assert.notEqual(toHex(t.rootHash()), hash);
    let stored = 0;
    for await (const _ of t.store.db.keys({
      gte: `t!${t.rootHex}!g!`,
      lt: `t!${t.rootHex}!g!~`,
      keyEncoding: 'utf8',
    }))
      stored++;
    assert.equal(stored, 25);
  });
});

describe('tree admission: API and disk', () => {
  it('revoke and grant by a key without authority fail with stable codes and store nothing', async () => {
    const db = memoryDb();
    const rootTree = await openTree(root, root, {}, db);
    const g = await rootTree.grant({ to: toHex(alice.publicKey), pattern: '/a/**' });
    const stranger = await Tree.open(rootTree.store, rootTree.rootHex, { signer: mallory });
    const hash = toHex(rootTree.rootHash());
    await assert.rejects(stranger.revoke(gid(g)), (e) => isMurmurError(e, 'MURMUR_TREE_NOT_AUTHORISED'));
    await assert.rejects(stranger.revoke('ab'.repeat(32)), (e) =>
      isMurmurError(e, 'MURMUR_TREE_NOT_AUTHORISED'),
    );
    await assert.rejects(stranger.grant({ to: toHex(bob.publicKey), pattern: '/a/**' }), (e) =>
      isMurmurError(e, 'MURMUR_TREE_NO_GRANT'),
    );
    assert.equal(toHex(rootTree.rootHash()), hash);
    assert.equal(rootTree.store.pool.size, 0);
    assert.equal(rootTree.store.counters.notAuthorised, 2);
    stranger.close();
  });

  it('at open, records an older version stored without authority leave the disk and the hash', async () => {
    const db = memoryDb();
    const t = await openTree(root, root, {}, db);
    await t.put('/x', enc('1'));
    const ga = await t.grant({ to: toHex(alice.publicKey), pattern: '/a/**', subgrant: true });
    const aliceTree = await Tree.open(t.store, t.rootHex, { signer: alice });
    const gb = await aliceTree.grant({ to: toHex(bob.publicKey), pattern: '/a/b/**', subgrant: true });
    aliceTree.close();
    const hash = toHex(t.rootHash());
    await t.store.close();
    // what an older version stored: junk grant and revocation, straight into the database
    const jg = makeGrant(mallory, { tree, pattern: '/**', issuee: mallory.publicKey, issuedAt: T });
    const jr = makeRevocation(mallory, { tree, grantId: grantId(ga), revokedAt: T });
    const jgKey = `t!${t.rootHex}!g!${gid(jg)}`;
    const jrKey = `t!${t.rootHex}!r!${toHex(revocationId(jr))}`;
    await db.put(jgKey, encodeGrant(jg), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.put(jrKey, encodeRevocation(jr), { keyEncoding: 'utf8', valueEncoding: 'view' });
    const store2 = new TreeStore(db);
    await store2.open();
    const t2 = await Tree.open(store2, t.rootHex);
    assert.equal(toHex(t2.rootHash()), hash);
    assert.equal(store2.counters.unadmittedAtLoad, 2);
    assert.equal(store2.pool.size, 2);
    assert.deepEqual(
      t2
        .grants()
        .map((x) => x.id)
        .sort(),
      [gid(ga), gid(gb)].sort(),
    );
    assert.equal(await db.get(jgKey, { keyEncoding: 'utf8' }), undefined);
    assert.equal(await db.get(jrKey, { keyEncoding: 'utf8' }), undefined);
    assert.equal(dec((await t2.get('/x'))?.value), '1');
  });
});

function isRefused(fn: () => unknown, code: string): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return isMurmurError(e, code as never);
  }
}
