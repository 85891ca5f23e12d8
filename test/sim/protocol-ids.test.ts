/**
 * The simulator's context speaks protocol ids as the node does: a service serves every id of a
 * protocol, a dial uses the first offered id the remote serves. A node of the previous version
 * (`protocolIds: 'legacy'`) and a new one sync journals on the legacy ids; two new nodes on the current.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { Registry } from 'prom-client';
import {
  CATALOGUE_LEGACY_PROTOCOLS,
  CATALOGUE_PROTOCOL,
  JOURNALS_LEGACY_PROTOCOLS,
  JOURNALS_PROTOCOL,
} from '../../src/journals/constants.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { toHex } from '../../src/overlay/address.ts';
import type { ProtocolIdMode } from '../../src/service/protocols.ts';
import { SimNetwork } from '../../src/sim/network.ts';
import { SimOverlayNode, simOverlay } from '../../src/sim/overlay-node.ts';
import { simServiceContext } from '../../src/sim/service-context.ts';
import { SIM_FAST, serviceCluster, until } from '../helpers/cluster.ts';
import { payloads } from '../journals/helpers.ts';

const fast = { catalogueIntervalMs: 200, stallTimeoutMs: 1000, backoffMs: 500, reopenMs: 100 };

/** Bus messages sent per protocol id (the simulator's streams are named `svc<id>`). */
function sentOn(network: SimNetwork): Map<string, number> {
  return new Map(
    Object.entries(network.stats())
      .filter(([name]) => name.startsWith('svc'))
      .map(([name, s]) => [name.slice(3), s.sent]),
  );
}

/** Legacy streams counted by each node's journals context: "current id → legacy id" → count. */
type Legacy = Map<string, number>[];

async function legacyStreams(registry: Registry): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric('murmur_protocol_legacy_streams_total');
  const values = metric === undefined ? [] : (await metric.get()).values;
  return new Map(values.map((v) => [`${v.labels.protocol} → ${v.labels.id}`, v.value]));
}

async function run(modes: [ProtocolIdMode, ProtocolIdMode]): Promise<Legacy> {
  const cluster = await serviceCluster(2, {
    transport: 'sim',
    protocolIds: (i) => modes[i]!,
    services: (i) => [new JournalsService(i === 0 ? { ...fast, writer: generateWriter() } : fast)],
  });
  try {
    const [a, b] = cluster.members.map((m) => m.service<JournalsService>('journals'));
    const id = (await a!.journals.create('orders')).id;
    await a!.appendBatch(id, payloads(200, 40));
    await cluster.connect(1, 0);
    await until(() => b!.journals.store.info(id)?.head === 200, { what: 'catch-up to 200 events' });
    await a!.append(id, { e: 'live', p: 1 });
    await until(() => b!.journals.store.info(id)?.head === 201, { what: 'the live append' });
    assert.equal(b!.sync.stats.faults, 0);
    return await Promise.all(
      cluster.members.map((m) => legacyStreams(m.sim!.contexts.get('journals')!.metrics)),
    );
  } finally {
    await cluster.stop();
  }
}

const sessions = `${JOURNALS_PROTOCOL} → ${JOURNALS_LEGACY_PROTOCOLS[0]}`;
const catalogue = `${CATALOGUE_PROTOCOL} → ${CATALOGUE_LEGACY_PROTOCOLS[0]}`;

test('sim: two new nodes sync journals on the current ids only', async () => {
  for (const legacy of await run(['all', 'all'])) assert.deepEqual([...legacy], []);
});

for (const modes of [
  ['legacy', 'all'],
  ['all', 'legacy'],
] as [ProtocolIdMode, ProtocolIdMode][]) {
  const who = (m: ProtocolIdMode): string => (m === 'legacy' ? 'an old' : 'a new');
  test(`sim: ${who(modes[0])} writer and ${who(modes[1])} follower sync journals on the legacy ids`, async () => {
    for (const legacy of await run(modes)) {
      assert.ok((legacy.get(sessions) ?? 0) > 0, 'sessions on the legacy id');
      assert.ok((legacy.get(catalogue) ?? 0) > 0, 'catalogue on the legacy id');
      assert.deepEqual([...legacy.keys()].sort(), [catalogue, sessions].sort());
    }
  });
}

test('sim: a dial offers its ids in order; a legacy stream is counted under the current id', async () => {
  const network = new SimNetwork({ latencyMs: 1, jitterMs: 0 });
  const pump = setInterval(() => network.clock.advance(5), 1);
  const a = new SimOverlayNode(network, 'a', SIM_FAST);
  const b = new SimOverlayNode(network, 'b', SIM_FAST);
  try {
    await a.start();
    await b.start();
    const metrics = new Registry();
    const store = () => new MemoryLevel({ valueEncoding: 'view' }) as never;
    const ca = simServiceContext({ network, node: a, name: 'probe', store: store(), metrics });
    const cb = simServiceContext({ network, node: b, name: 'probe', store: store(), protocolIds: 'legacy' });
    await cb.handle(['/murmur/probe/echo/2.0.0', '/murmur/probe/echo/1.0.0'], async (ch) => {
      for await (const frame of ch) await ch.send(frame);
      ch.close();
    });
    a.book.discovered('b', ['/sim/b'], 'bootstrap', toHex(simOverlay('b')));
    a.dial('b');
    await until(() => a.book.stateOf('b') === 'active' && b.book.stateOf('a') === 'active', {
      what: 'a and b active',
    });
    const ch = await ca.dial('b', ['/murmur/probe/echo/2.0.0', '/murmur/probe/echo/1.0.0']);
    await ch.send(Uint8Array.of(7));
    const it = ch[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, Uint8Array.of(7));
    ch.close();
    assert.ok((sentOn(network).get('/murmur/probe/echo/1.0.0') ?? 0) > 0);
    assert.equal(sentOn(network).get('/murmur/probe/echo/2.0.0'), undefined);
    const legacy = await metrics.getSingleMetric('murmur_protocol_legacy_streams_total')!.get();
    assert.deepEqual(
      legacy.values.map((v) => [v.labels, v.value]),
      [[{ protocol: '/murmur/probe/echo/2.0.0', id: '/murmur/probe/echo/1.0.0' }, 1]],
    );
  } finally {
    clearInterval(pump);
    await a.stop();
    await b.stop();
  }
});
