import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { MurmurNode } from '../../src/node/types.ts';
import { activeCount, addrOf, startNode, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('five nodes bootstrapped on one find all the others through hive peer exchange', async () => {
  const seed = await startNode();
  nodes.push(seed);
  for (let i = 0; i < 4; i++) nodes.push(await startNode({ bootstrap: [addrOf(seed)] }));
  await until(() => nodes.every((n) => activeCount(n) === 4), { timeoutMs: 60_000, what: 'full mesh' });
  for (const n of nodes) {
    const s = n.status();
    assert.equal(s.peers.active, 4);
    assert.equal(
      s.bins.reduce((x, y) => x + y, 0),
      4,
    );
  }
  const metrics = await nodes[1]!.metrics.metrics();
  assert.match(metrics, /murmur_peers_discovered_total\{source="hive"\} [1-9]/);
  assert.match(
    metrics,
    /murmur_protocol_messages_total\{protocol="\/murmur\/node\/hive\/1.0.0",direction="in"\} [1-9]/,
  );
});
