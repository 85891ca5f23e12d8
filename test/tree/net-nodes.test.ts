import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeBundle, grantId } from '../../src/tree/codec.ts';
import { HlcClock } from '../../src/tree/hlc.ts';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { PUSH_PROTOCOL } from '../../src/tree/net/constants.ts';
import { encodePush } from '../../src/tree/net/wire.ts';
import { makeEntry } from '../../src/tree/records.ts';
import { addrOf, stateOf, until } from '../helpers/cluster.ts';
import { dec, enc } from './helpers.ts';
import { converged, RawService, stopAll, type TreeNode, treeCluster } from './net-helpers.ts';

const root = generateSigner();
const rootHex = toHex(root.publicKey);
const writer = generateSigner();
const HOUR = 3_600_000;
let nodes: TreeNode[] = [];
const raw = new RawService();

before(async () => {
  // node 3 has a clock one hour fast; node 4 is a lying peer speaking the protocols by hand
  nodes = await treeCluster(
    4,
    (i) => (i === 3 ? { clock: new HlcClock({ now: () => Date.now() + HOUR }) } : {}),
    (i) => (i === 3 ? [raw] : []),
  );
  await nodes[3]!.node.connect(addrOf(nodes[1]!.node));
  for (const n of nodes) await n.tree.join(rootHex);
});
after(async () => {
  await stopAll(nodes);
});

const as = (i: number, signer = root) => nodes[i]!.tree.treeWith(rootHex, signer);
const value = async (i: number, key: string) => dec((await nodes[i]!.tree.tree(rootHex).get(key))?.value);
const honest = () => nodes.slice(0, 3);

test('writes on each of three nodes converge to equal root hashes', async () => {
  for (let i = 0; i < 3; i++) {
    // "last" is causal: node i writes /shared once it has seen node i - 1's write, so its clock is
    // past it (without that, two writes in the same millisecond tie and the tie-break decides)
    if (i > 0)
      await until(async () => (await value(i, '/shared')) === `last by ${i - 1}`, {
        timeoutMs: 60_000,
        what: `node ${i} sees node ${i - 1}'s write`,
      });
    const t = await as(i);
    await t.put(`/from/${i}`, enc(`node ${i}`));
    await t.put('/shared', enc(`last by ${i}`));
    t.close();
  }
  await converged(honest(), rootHex);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) assert.equal(await value(i, `/from/${j}`), `node ${j}`);
    assert.equal(await value(i, '/shared'), 'last by 2');
  }
});

test('a grant lets a third key write only under its pattern; revoking it removes its entries everywhere', async () => {
  const t0 = await as(0);
  const g = await t0.grant({ to: toHex(writer.publicKey), pattern: '/w/**' });
  await converged(honest(), rootHex);
  const w2 = await as(2, writer);
  await w2.put('/w/note', enc('granted'));
  await assert.rejects(w2.put('/elsewhere', enc('no')), { code: 'MURMUR_TREE_NO_GRANT' });
  w2.close();
  await until(async () => (await value(1, '/w/note')) === 'granted', {
    timeoutMs: 60_000,
    what: 'granted write on node 1',
  });
  await until(async () => (await value(0, '/w/note')) === 'granted', {
    timeoutMs: 60_000,
    what: 'granted write on node 0',
  });
  assert.equal(await value(0, '/elsewhere'), undefined);
  // a lying peer pushes a write outside the pattern, properly signed by the grantee: refused
  const victim = nodes[1]!;
  const before = victim.tree.stats.refused;
  const forged = makeEntry(writer, {
    tree: root.publicKey,
    key: '/elsewhere',
    value: enc('sneaky'),
    timestamp: new HlcClock().tick(),
    grants: [grantId(g)],
  });
  const ch = await raw.ctx!.dial(victim.node.peerId, PUSH_PROTOCOL);
  await ch.send(
    encodePush(root.publicKey, encodeBundle({ entries: [forged], grants: [g], revocations: [] })),
  );
  await until(() => victim.tree.stats.refused > before, { timeoutMs: 60_000, what: 'refusal' });
  ch.close();
  assert.equal(await value(1, '/elsewhere'), undefined);

  await t0.revoke(toHex(grantId(g)));
  t0.close();
  for (let i = 0; i < 3; i++)
    await until(async () => (await value(i, '/w/note')) === undefined, {
      timeoutMs: 60_000,
      what: `revoked on ${i}`,
    });
  await converged(honest(), rootHex);
});

test('a node whose clock is an hour fast does not win later writes', async () => {
  const fast = await as(3);
  await fast.put('/race', enc('fast clock'));
  fast.close();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = await as(0);
  await t0.put('/race', enc('honest later'));
  t0.close();
  for (let i = 0; i < 3; i++)
    await until(async () => (await value(i, '/race')) === 'honest later', {
      timeoutMs: 60_000,
      what: `race on ${i}`,
    });
  // its skewed write was refused, not struck: the node is still an active peer
  assert.equal(stateOf(nodes[0]!.node, nodes[3]!.node.peerId), 'active');
});

test('a peer sending forged records is struck and ends in purgatory', async () => {
  const victim = nodes[0]!;
  const liar = nodes[3]!.node.peerId;
  for (let i = 0; i < 4 && stateOf(victim.node, liar) === 'active'; i++) {
    const e = makeEntry(root, {
      tree: root.publicKey,
      key: `/forged/${i}`,
      value: enc('x'),
      timestamp: new HlcClock().tick(),
      grants: [],
    });
    e.signature = new Uint8Array(64).fill(i + 1);
    try {
      const ch = await raw.ctx!.dial(victim.node.peerId, PUSH_PROTOCOL);
      await ch.send(encodePush(root.publicKey, encodeBundle({ entries: [e], grants: [], revocations: [] })));
      await new Promise((r) => setTimeout(r, 100));
      ch.close();
    } catch {
      break; // already disconnected
    }
  }
  await until(() => stateOf(victim.node, liar) === 'purgatory', { timeoutMs: 60_000, what: 'purgatory' });
  assert.equal(await value(0, '/forged/0'), undefined);
});

test('a late joiner gets the whole tree by reconciliation (no pushes missed matter)', async () => {
  const [late] = await treeCluster(1);
  try {
    await late!.node.connect(addrOf(nodes[0]!.node));
    await late!.tree.join(rootHex);
    await converged([nodes[0]!, late!], rootHex);
    assert.equal(dec((await late!.tree.tree(rootHex).get('/from/1'))?.value), 'node 1');
    assert.ok(late!.tree.stats.syncs + nodes[0]!.tree.stats.syncs > 0, 'a sync session ran');
    // and its duration went into the sync latency histogram of the node that ran it
    const timed = async (n: { node: { metrics: import('prom-client').Registry } }): Promise<number> => {
      const h = await n.node.metrics.getSingleMetric('murmur_tree_sync_duration_seconds')?.get();
      return (
        h?.values.find(
          (v) =>
            (v as { metricName?: string }).metricName === 'murmur_tree_sync_duration_seconds_count' &&
            v.labels.outcome === 'ok',
        )?.value ?? 0
      );
    };
    assert.ok((await timed(late!)) + (await timed(nodes[0]!)) > 0, 'sync latency observed');
    assert.equal(await late!.tree.tree(rootHex).get('/w/note'), undefined, 'revoked entry stays out');
  } finally {
    await late!.node.stop();
  }
});
