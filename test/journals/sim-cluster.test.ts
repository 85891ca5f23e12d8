/**
 * The journals service on the simulator through the shared cluster (transport 'sim'): a follower
 * catches up with a writer's journal and then receives live appends, as over libp2p.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateWriter } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { serviceCluster, until } from '../helpers/cluster.ts';
import { payloads } from './helpers.ts';

const fast = { catalogueIntervalMs: 200, stallTimeoutMs: 1000, backoffMs: 500, reopenMs: 100 };

test('journals on the simulator: a follower catches up, then receives live appends', async () => {
  const cluster = await serviceCluster(2, {
    transport: 'sim',
    services: (i) => [new JournalsService(i === 0 ? { ...fast, writer: generateWriter() } : fast)],
  });
  try {
    const [a, b] = cluster.members.map((m) => m.service<JournalsService>('journals'));
    const id = (await a!.journals.create('orders')).id;
    await a!.appendBatch(id, payloads(300, 50));
    await cluster.connect(1, 0);
    await until(() => b!.journals.store.info(id)?.head === 300, { what: 'catch-up to 300 events' });
    await a!.append(id, { e: 'live', p: 1 });
    await until(() => b!.journals.store.info(id)?.head === 301, { what: 'the live append' });
    const mine = (await a!.journals.read(id)).events;
    const theirs = (await b!.journals.read(id)).events;
    assert.equal(theirs.length, mine.length);
    assert.deepEqual(theirs, mine);
  } finally {
    await cluster.stop();
  }
});
