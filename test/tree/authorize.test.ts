import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { chainProblem } from '../../src/tree/authorize.ts';
import { entryId, grantId } from '../../src/tree/codec.ts';
import { packHlc } from '../../src/tree/hlc.ts';
import { toHex } from '../../src/tree/keys.ts';
import { makeEntry, makeGrant, makeRevocation } from '../../src/tree/records.ts';
import { TreeState } from '../../src/tree/state.ts';
import type { Entry } from '../../src/tree/types.ts';
import { enc, keyPool, openTree } from './helpers.ts';

const [root, alice, bob, carol] = keyPool as [
  (typeof keyPool)[0],
  (typeof keyPool)[0],
  (typeof keyPool)[0],
  (typeof keyPool)[0],
];
const T = 1_700_000_000_000;
const tree = root.publicKey;
const ts = (ms: number) => packHlc(ms, 0);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isMurmurError(e) ? e.code : String(e);
  }
}

describe('authorisation', () => {
  const gA = makeGrant(root, {
    tree,
    pattern: '/a/**',
    subgrant: true,
    issuee: alice.publicKey,
    issuedAt: T,
  });
  const gB = makeGrant(alice, { tree, pattern: '/a/b/**', issuee: bob.publicKey, issuedAt: T + 1 });

  it('root writes anywhere; a chained grantee only under its pattern', () => {
    const s = new TreeState(tree);
    s.addGrant(gA);
    s.addGrant(gB);
    s.addEntry(makeEntry(root, { tree, key: '/x', value: enc('1'), timestamp: ts(T + 5) }));
    s.addEntry(
      makeEntry(bob, {
        tree,
        key: '/a/b/c',
        value: enc('2'),
        timestamp: ts(T + 5),
        grants: [grantId(gA), grantId(gB)],
      }),
    );
    const outside = makeEntry(bob, {
      tree,
      key: '/a/x',
      value: enc('3'),
      timestamp: ts(T + 5),
      grants: [grantId(gA), grantId(gB)],
    });
    assert.equal(
      code(() => s.addEntry(outside)),
      'MURMUR_TREE_PATTERN_MISMATCH',
    );
  });

  it('refuses every forgery with a stable code', () => {
    const s = new TreeState(tree);
    s.addGrant(gA);
    s.addGrant(gB);
    const chain = [grantId(gA), grantId(gB)];
    const good = makeEntry(bob, {
      tree,
      key: '/a/b/c',
      value: enc('v'),
      timestamp: ts(T + 5),
      grants: chain,
    });
    // no grant
    assert.equal(
      code(() =>
        s.addEntry(makeEntry(carol, { tree, key: '/a/b/c', value: enc('v'), timestamp: ts(T + 5) })),
      ),
      'MURMUR_TREE_NO_GRANT',
    );
    // signer not last issuee (carol reuses bob's chain)
    assert.equal(
      code(() =>
        s.addEntry(
          makeEntry(carol, { tree, key: '/a/b/c', value: enc('v'), timestamp: ts(T + 5), grants: chain }),
        ),
      ),
      'MURMUR_TREE_NOT_LAST_ISSUEE',
    );
    // forged signature: value swapped after signing, key swapped (replay under another key)
    assert.equal(
      code(() => s.addEntry({ ...good, value: enc('evil') })),
      'MURMUR_TREE_BAD_SIGNATURE',
    );
    assert.equal(
      code(() => s.addEntry({ ...good, key: '/a/b/d' })),
      'MURMUR_TREE_BAD_SIGNATURE',
    );
    assert.equal(
      code(() => s.addEntry({ ...good, timestamp: good.timestamp + 1 })),
      'MURMUR_TREE_BAD_SIGNATURE',
    );
    // replay into another tree
    const other = new TreeState(carol.publicKey);
    assert.equal(
      code(() => other.addEntry(good)),
      'MURMUR_TREE_WRONG_TREE',
    );
    // escalation: bob (no subgrant) grants carol; alice grants outside her pattern; carol grants
    // herself. None of these grants is admitted (they wait in the pending pool, not stored), so
    // entries relying on them miss a grant; the chain rule itself still names the reason.
    const gC = makeGrant(bob, { tree, pattern: '/a/b/**', issuee: carol.publicKey, issuedAt: T + 2 });
    const wide = makeGrant(alice, { tree, pattern: '/**', issuee: carol.publicKey, issuedAt: T + 2 });
    const self = makeGrant(carol, { tree, pattern: '/**', issuee: carol.publicKey, issuedAt: T });
    const view = new Map([gA, gB, gC, wide, self].map((g) => [toHex(grantId(g)), g]));
    const everything = { grant: (h: string) => view.get(h), revocationsOf: () => [] };
    const cases = [
      [[...chain, grantId(gC)], '/a/b/c', gC, 'MURMUR_TREE_NO_SUBGRANT'],
      [[grantId(gA), grantId(wide)], '/z', wide, 'MURMUR_TREE_PATTERN_OUTSIDE_PARENT'],
      [[grantId(self)], '/q', self, 'MURMUR_TREE_BROKEN_CHAIN'],
    ] as const;
    for (const [ids, key, g, why] of cases) {
      const before = toHex(s.fingerprint.hash());
      const res = s.addGrant(g);
      assert.equal(res.added.length, 0);
      assert.equal(res.pending, 1);
      assert.ok(s.isPending(toHex(grantId(g))));
      assert.equal(s.grant(toHex(grantId(g))), undefined);
      assert.equal(toHex(s.fingerprint.hash()), before);
      const e = makeEntry(carol, { tree, key, value: enc('v'), timestamp: ts(T + 5), grants: [...ids] });
      assert.equal(
        code(() => s.addEntry(e)),
        'MURMUR_TREE_MISSING_GRANT',
      );
      assert.equal(chainProblem(tree, ids, carol.publicKey, key, T + 5, everything)?.code, why);
    }
    // expired
    const exp = makeGrant(root, {
      tree,
      pattern: '/e/**',
      issuee: carol.publicKey,
      issuedAt: T,
      expiresAt: T + 10,
    });
    s.addGrant(exp);
    assert.equal(
      code(() =>
        s.addEntry(
          makeEntry(carol, { tree, key: '/e/1', value: null, timestamp: ts(T + 11), grants: [grantId(exp)] }),
        ),
      ),
      'MURMUR_TREE_GRANT_EXPIRED',
    );
    // forged grant signature
    assert.equal(
      code(() => s.addGrant({ ...gA, pattern: '/**' })),
      'MURMUR_TREE_BAD_SIGNATURE',
    );
    // missing grant
    assert.equal(
      code(() => new TreeState(tree).addEntry(good)),
      'MURMUR_TREE_MISSING_GRANT',
    );
    s.addEntry(good);
  });

  it('revocation by issuer or anyone above removes entries; by a stranger it does nothing', () => {
    const s = new TreeState(tree);
    s.addGrant(gA);
    s.addGrant(gB);
    const e = makeEntry(bob, {
      tree,
      key: '/a/b/c',
      value: enc('v'),
      timestamp: ts(T + 5),
      grants: [grantId(gA), grantId(gB)],
    });
    s.addEntry(e);
    s.addRevocation(makeRevocation(carol, { tree, grantId: grantId(gB), revokedAt: T + 6 }));
    assert.ok(s.latest('/a/b/c'));
    const res = s.addRevocation(makeRevocation(root, { tree, grantId: grantId(gB), revokedAt: T + 6 }));
    assert.equal(s.latest('/a/b/c'), undefined);
    assert.equal(res.changes.length, 1);
    assert.equal(
      code(() => s.addEntry(e)),
      'MURMUR_TREE_GRANT_REVOKED',
    );
  });

  it('property: random chains from a small key pool never let an unauthorised write in', () => {
    const keys = [root, alice, bob, carol];
    const patterns = ['/**', '/a/**', '/a/b/**', '/a/*', '/b/**', '/a/b/c'];
    const grantArb = fc.record({
      issuer: fc.integer({ min: 0, max: 3 }),
      issuee: fc.integer({ min: 0, max: 3 }),
      pattern: fc.constantFrom(...patterns),
      subgrant: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(grantArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('/a/b/c', '/a/x', '/b/y', '/c'),
        (links, signerIdx, key) => {
          const s = new TreeState(tree);
          const grants = links.map((l, i) =>
            makeGrant(keys[l.issuer]!, {
              tree,
              pattern: l.pattern,
              subgrant: l.subgrant,
              issuee: keys[l.issuee]!.publicKey,
              issuedAt: T + i,
            }),
          );
          for (const g of grants) s.addGrant(g);
          const signer = keys[signerIdx]!;
          const e: Entry = makeEntry(signer, {
            tree,
            key,
            value: enc('v'),
            timestamp: ts(T + 100),
            grants: grants.map(grantId),
          });
          let ok = signerIdx === 0;
          if (!ok) {
            ok = grants[0]!.issuer === root.publicKey;
            for (let i = 0; i < grants.length && ok; i++) {
              const g = links[i]!;
              if (i === 0) ok = g.issuer === 0;
              else {
                const p = links[i - 1]!;
                ok =
                  g.issuer === p.issuee &&
                  p.subgrant &&
                  (p.pattern === '/**' ||
                    (p.pattern === '/a/**' && g.pattern.startsWith('/a/')) ||
                    p.pattern === g.pattern ||
                    (p.pattern === '/a/b/**' && g.pattern === '/a/b/c'));
              }
            }
            const last = links[links.length - 1]!;
            ok =
              ok &&
              last.issuee === signerIdx &&
              new RegExp(`^${last.pattern.replace('/**', '(/.*)?').replace('/*', '/[^/]+')}$`).test(key);
          }
          const got = code(() => s.addEntry(e)) === undefined;
          assert.equal(got, ok, JSON.stringify({ links, signerIdx, key }));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Tree client grants', () => {
  it('put by a grantee finds its chain; refusals say why', async () => {
    const rootTree = await openTree(root);
    const g = await rootTree.grant({ to: toHex(alice.publicKey), pattern: '/a/**', subgrant: true });
    const aliceTree = await openTree(root, alice);
    await aliceTree.ingest(await rootTree.bundleFor([toHex(grantId(g))]));
    await aliceTree.put('/a/1', enc('x'));
    await assert.rejects(aliceTree.put('/b/1', enc('x')), (e) => isMurmurError(e, 'MURMUR_TREE_NO_GRANT'));
    await assert.rejects(aliceTree.grant({ to: toHex(bob.publicKey), pattern: '/**' }), (e) =>
      isMurmurError(e, 'MURMUR_TREE_PATTERN_OUTSIDE_PARENT'),
    );
    const sub = await aliceTree.grant({ to: toHex(bob.publicKey), pattern: '/a/b/**' });
    assert.equal(sub.issuer, alice.publicKey);
    const rev = await rootTree.revoke(toHex(grantId(g)));
    await aliceTree.ingest({ revocations: [rev] });
    assert.equal(await aliceTree.get('/a/1'), undefined);
    await assert.rejects(aliceTree.put('/a/2', enc('x')), (e) =>
      isMurmurError(e, 'MURMUR_TREE_GRANT_REVOKED'),
    );
    assert.equal(aliceTree.grants().find((x) => x.id === toHex(grantId(g)))?.revoked, true);
    void entryId;
  });
});
