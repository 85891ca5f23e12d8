/**
 * The tree service on the simulator through the shared cluster (transport 'sim'): the same service,
 * the same context guarantees as over libp2p, so the same convergence holds on a chain of nodes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { TreeService } from '../../src/tree/service.ts';
import { serviceCluster, until } from '../helpers/cluster.ts';
import { dec, enc } from './helpers.ts';
import { TREE_FAST } from './net-helpers.ts';

test('tree on the simulator: writes at both ends of a chain of three nodes converge', async () => {
  const root = generateSigner();
  const rootHex = toHex(root.publicKey);
  const cluster = await serviceCluster(3, { transport: 'sim', services: () => [new TreeService(TREE_FAST)] });
  try {
    await cluster.connectChain();
    const trees = cluster.members.map((m) => m.service<TreeService>('tree'));
    for (const t of trees) await t.join(rootHex);
    for (const i of [0, 2]) {
      const w = await trees[i]!.treeWith(rootHex, root);
      await w.put(`/from/${i}`, enc(`node ${i}`));
      w.close();
    }
    const hash = (t: TreeService): string => toHex(t.tree(rootHex).rootHash());
    await until(
      async () =>
        new Set(trees.map(hash)).size === 1 &&
        (await trees[1]!.tree(rootHex).get('/from/2'))?.value !== undefined &&
        (await trees[1]!.tree(rootHex).get('/from/0'))?.value !== undefined,
      { what: 'equal root hashes holding both writes' },
    );
    for (const t of trees) {
      assert.equal(dec((await t.tree(rootHex).get('/from/0'))?.value), 'node 0');
      assert.equal(dec((await t.tree(rootHex).get('/from/2'))?.value), 'node 2');
    }
  } finally {
    await cluster.stop();
  }
});
