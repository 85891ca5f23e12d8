import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeBundle, grantId, revocationId } from '../../src/tree/codec.ts';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { PUSH_PROTOCOL } from '../../src/tree/net/constants.ts';
import { encodePush } from '../../src/tree/net/wire.ts';
import { makeGrant, makeRevocation } from '../../src/tree/records.ts';
import type { Grant } from '../../src/tree/types.ts';
import { stateOf, until } from '../helpers/cluster.ts';
import { enc } from './helpers.ts';
import { converged, hashOf, RawService, stopAll, type TreeNode, treeCluster } from './net-helpers.ts';

const root = generateSigner();
const rootHex = toHex(root.publicKey);
const alice = generateSigner();
const bob = generateSigner();
const mallory = generateSigner();
const raw = new RawService();
let nodes: TreeNode[] = [];
const MAX_PER_SOURCE = 200;

before(async () => {
  // node 0 gives each peer a small share of its pending pool; node 2 also speaks the protocols by hand
  nodes = await treeCluster(
    3,
    (i) => (i === 0 ? { pendingLimits: { maxPerSource: MAX_PER_SOURCE } } : {}),
    (i) => (i === 2 ? [raw] : []),
  );
  await nodes[0]!.tree.join(rootHex);
  await nodes[1]!.tree.join(rootHex);
});
after(async () => {
  await stopAll(nodes);
});

const as = (i: number, signer = root) => nodes[i]!.tree.treeWith(rootHex, signer);
const push = async (grants: Grant[]): Promise<void> => {
  const ch = await raw.ctx!.dial(nodes[0]!.node.peerId, PUSH_PROTOCOL);
  try {
    await ch.send(encodePush(root.publicKey, encodeBundle({ entries: [], grants, revocations: [] })));
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    ch.close();
  }
};

test('a junk grant and revocation held by one node never reach the other; hashes still agree', async () => {
  const t0 = await as(0);
  await t0.put('/hello', enc('world'));
  const g = makeGrant(mallory, {
    tree: root.publicKey,
    pattern: '/**',
    issuee: mallory.publicKey,
    issuedAt: 1,
  });
  const r = makeRevocation(mallory, { tree: root.publicKey, grantId: grantId(g), revokedAt: 2 });
  const res = await t0.ingest({ grants: [g], revocations: [r] });
  assert.equal(res.pending, 2);
  t0.close();
  await converged(nodes.slice(0, 2), rootHex);
  nodes[0]!.tree.announceAll();
  await nodes[1]!.tree.sync(nodes[0]!.node.peerId, rootHex);
  const other = nodes[1]!.tree.store;
  assert.equal(other.counters.pending, 0, 'node 1 was never offered them');
  assert.equal(other.pool.size, 0);
  const state = nodes[1]!.tree.tree(rootHex).state;
  assert.equal(state.kindOf(grantId(g)), undefined);
  assert.equal(state.kindOf(revocationId(r)), undefined);
  assert.equal(hashOf(nodes[0]!, rootHex), hashOf(nodes[1]!, rootHex));
});

test('a child grant pushed before its parent is parked (no strike), then admitted everywhere', async () => {
  const victim = nodes[0]!;
  const child = makeGrant(alice, {
    tree: root.publicKey,
    pattern: '/team/bob/**',
    issuee: bob.publicKey,
    issuedAt: Date.now() + 1_000,
  });
  await push([child]);
  await until(() => victim.tree.store.counters.pending >= 3, { timeoutMs: 60_000, what: 'child parked' });
  assert.equal(victim.tree.stats.strikes, 0);
  assert.ok(victim.tree.tree(rootHex).state.isPending(toHex(grantId(child))));
  const t1 = await as(1);
  await t1.grant({ to: toHex(alice.publicKey), pattern: '/team/**', subgrant: true });
  t1.close();
  await until(() => victim.tree.tree(rootHex).state.grant(toHex(grantId(child))) !== undefined, {
    timeoutMs: 60_000,
    what: 'admitted',
  });
  await converged(nodes.slice(0, 2), rootHex);
  assert.ok(nodes[1]!.tree.tree(rootHex).state.grant(toHex(grantId(child))), 'spread to node 1');
  // entries under the child grant are accepted and spread (once it is valid)
  while (Date.now() <= child.issuedAt) await new Promise((r) => setTimeout(r, 50));
  const w = await as(0, bob);
  await w.put('/team/bob/x', enc('by bob'));
  w.close();
  await until(() => nodes[1]!.tree.tree(rootHex).state.latest('/team/bob/x') !== undefined, {
    timeoutMs: 60_000,
    what: 'bob entry',
  });
  assert.equal(stateOf(victim.node, nodes[2]!.node.peerId), 'active');
});

test('a peer flooding junk grants beyond its share of the pool is struck into purgatory; nothing stored', async () => {
  const victim = nodes[0]!;
  const hash = hashOf(victim, rootHex);
  const size = victim.tree.tree(rootHex).state.size;
  const flooders = Array.from({ length: 20 }, () => generateSigner());
  for (let b = 0; b < 10 && stateOf(victim.node, nodes[2]!.node.peerId) === 'active'; b++) {
    const grants = flooders.flatMap((k) =>
      Array.from({ length: 15 }, (_, i) =>
        makeGrant(k, { tree: root.publicKey, pattern: `/j/${b}/${i}`, issuee: k.publicKey, issuedAt: 1 }),
      ),
    );
    try {
      await push(grants);
    } catch {
      break; // disconnected
    }
  }
  await until(() => stateOf(victim.node, nodes[2]!.node.peerId) === 'purgatory', {
    timeoutMs: 60_000,
    what: 'purgatory',
  });
  assert.equal(hashOf(victim, rootHex), hash);
  assert.equal(victim.tree.tree(rootHex).state.size, size);
  assert.ok(victim.tree.store.pool.size <= MAX_PER_SOURCE + 10);
  assert.ok(victim.tree.store.counters.dropped > 0);
});
