import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { CountersService } from '../../../examples/counter/service.ts';
import { serviceCluster, startNode, until } from '../../helpers/cluster.ts';

for (const transport of ['libp2p', 'sim'] as const) {
  test(`counters over ${transport}: increments at both ends of a four-node chain converge on every node (relayed)`, async () => {
    const cluster = await serviceCluster(4, {
      transport,
      services: () => [new CountersService({ debounceMs: 20 })],
    });
    try {
      await cluster.connectChain();
      const svc = (i: number) => cluster.members[i]!.service<CountersService>('counters');
      await svc(0).increment('hits', 5);
      await svc(3).increment('hits', 2);
      await svc(3).decrement('hits', 1);
      await until(() => cluster.members.every((_, i) => svc(i).value('hits') === 6n), {
        timeoutMs: 120_000,
        what: 'every node at 6',
      });
      for (const [i] of cluster.members.entries()) assert.equal(svc(i).get('hits')?.slots, 2);
    } finally {
      await cluster.stop();
    }
  });
}

test('counters survive a restart (state persisted in the service store)', async () => {
  const store = new MemoryLevel({ valueEncoding: 'view' });
  const a = new CountersService();
  const node = await startNode({ store: store as never, services: [a] });
  await a.increment('x', 3);
  await a.decrement('x', 1);
  await a.increment('y');
  await node.stop();
  const b = new CountersService();
  const again = await startNode({ store: store as never, services: [b] });
  try {
    assert.equal(b.value('x'), 2n);
    assert.equal(b.value('y'), 1n);
  } finally {
    await again.stop();
  }
});
