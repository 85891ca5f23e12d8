/**
 * Protocol ids `/murmur/<kind>/<name>/<version>` with the previous ids kept for one version: a node
 * of the previous version (`protocolIds: 'legacy'`: it serves and offers only the old ids) still
 * handshakes, exchanges hive peers and syncs journals with new nodes, both as dialler and as dialled;
 * two new nodes speak the current ids.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { HANDSHAKE_LEGACY_PROTOCOLS, HANDSHAKE_PROTOCOL } from '../../src/handshake/index.ts';
import {
  CATALOGUE_LEGACY_PROTOCOLS,
  CATALOGUE_PROTOCOL,
  JOURNALS_LEGACY_PROTOCOLS,
  JOURNALS_PROTOCOL,
} from '../../src/journals/constants.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { HIVE_LEGACY_PROTOCOLS, HIVE_PROTOCOL } from '../../src/overlay/index.ts';
import { type Host, startHost } from '../../src/p2p/index.ts';
import type { ProtocolIdMode } from '../../src/service/protocols.ts';
import { addrOf, serviceCluster, stateOf, until } from '../helpers/cluster.ts';
import { payloads } from '../journals/helpers.ts';

const fast = { catalogueIntervalMs: 200, stallTimeoutMs: 1000, backoffMs: 500, reopenMs: 100 };
const nodes: MurmurNode[] = [];
const hosts: Host[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
  await Promise.all(hosts.map(async (h) => h.stop()));
});

async function journalNode(
  mode: ProtocolIdMode,
  opts: ConstructorParameters<typeof JournalsService>[0] = {},
): Promise<{ node: MurmurNode; svc: JournalsService }> {
  const c = await serviceCluster(1, {
    transport: 'libp2p',
    protocolIds: () => mode,
    services: () => [new JournalsService({ ...fast, ...opts })],
  });
  const m = c.members[0]!;
  nodes.push(m.node!);
  return { node: m.node!, svc: m.service<JournalsService>('journals') };
}

/** The node's `murmur_protocol_legacy_streams_total` series: "current id → legacy id" → count. */
async function legacyStreams(node: MurmurNode): Promise<Map<string, number>> {
  const metric = await node.metrics.getSingleMetric('murmur_protocol_legacy_streams_total')!.get();
  return new Map(metric.values.map((v) => [`${v.labels.protocol} → ${v.labels.id}`, v.value]));
}

const legacyOf = (current: string, legacy: readonly string[]): string => `${current} → ${legacy[0]}`;

test('two new nodes speak the current ids: no stream on a legacy id, traffic under the current ids', async () => {
  const a = await journalNode('all', { writer: generateWriter() });
  const b = await journalNode('all');
  const id = (await a.svc.journals.create('orders')).id;
  await a.svc.appendBatch(id, payloads(200, 40));
  await b.node.connect(addrOf(a.node));
  await until(() => b.svc.journals.store.info(id)?.head === 200, { what: 'b catches up with a' });
  for (const n of [a.node, b.node]) {
    assert.deepEqual([...(await legacyStreams(n))], [], 'a stream negotiated a legacy id');
  }
  const text = await b.node.metrics.metrics();
  for (const protocol of [HANDSHAKE_PROTOCOL, JOURNALS_PROTOCOL, CATALOGUE_PROTOCOL]) {
    const label = protocol.replaceAll('/', '\\/').replaceAll('.', '\\.');
    assert.match(
      text,
      new RegExp(`murmur_protocol_bytes_total\\{protocol="${label}",direction="in"\\} [1-9]`),
    );
  }
});

test('a node of the previous version (legacy ids only) handshakes, gossips and syncs with new nodes both ways', async () => {
  const old = await journalNode('legacy', { writer: generateWriter() });
  // the old node really knows only the old ids: a raw dial of a current id is refused at selection
  const raw = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  hosts.push(raw);
  for (const current of [HANDSHAKE_PROTOCOL, HIVE_PROTOCOL, JOURNALS_PROTOCOL, CATALOGUE_PROTOCOL]) {
    await assert.rejects(raw.dialProtocol(multiaddr(addrOf(old.node)), current), /could not negotiate/);
  }
  const legacyStream = await raw.dialProtocol(multiaddr(addrOf(old.node)), HANDSHAKE_LEGACY_PROTOCOLS[0]!);
  legacyStream.abort(new Error('only probing'));
  await raw.stop();

  const id = (await old.svc.journals.create('orders')).id;
  await old.svc.appendBatch(id, payloads(300, 40));
  const dialler = await journalNode('all'); // a new node dials the old one
  const dialled = await journalNode('all'); // the old node dials a new one
  await dialler.node.connect(addrOf(old.node));
  await old.node.connect(addrOf(dialled.node));
  await until(() => dialler.svc.journals.store.info(id)?.head === 300, { what: 'the dialler syncs' });
  await until(() => dialled.svc.journals.store.info(id)?.head === 300, { what: 'the dialled node syncs' });
  await old.svc.append(id, { e: 'live', p: 1 });
  await until(
    () =>
      dialler.svc.journals.store.info(id)?.head === 301 && dialled.svc.journals.store.info(id)?.head === 301,
    { what: 'the live append reaches both' },
  );
  // the old node's hive (legacy id) told each new node of the other: they connect, on the current ids
  await until(
    () =>
      stateOf(dialler.node, dialled.node.peerId) === 'active' &&
      stateOf(dialled.node, dialler.node.peerId) === 'active',
    { what: 'the two new nodes find each other through the old node' },
  );
  const fromDialler = await legacyStreams(dialler.node);
  const fromDialled = await legacyStreams(dialled.node);
  // the dialler offered the current handshake id first and fell back to the legacy one
  assert.ok((fromDialler.get(legacyOf(HANDSHAKE_PROTOCOL, HANDSHAKE_LEGACY_PROTOCOLS)) ?? 0) >= 1);
  // the old node's dial of the handshake arrives on the legacy id
  assert.ok((fromDialled.get(legacyOf(HANDSHAKE_PROTOCOL, HANDSHAKE_LEGACY_PROTOCOLS)) ?? 0) >= 1);
  // the new nodes learnt of each other only from the old node's hive messages, on the legacy id
  const hive = legacyOf(HIVE_PROTOCOL, HIVE_LEGACY_PROTOCOLS);
  assert.ok((fromDialler.get(hive) ?? 0) + (fromDialled.get(hive) ?? 0) >= 1, 'hive on its legacy id');
  for (const m of [fromDialler, fromDialled]) {
    assert.ok((m.get(legacyOf(JOURNALS_PROTOCOL, JOURNALS_LEGACY_PROTOCOLS)) ?? 0) >= 1, 'journal sessions');
    assert.ok((m.get(legacyOf(CATALOGUE_PROTOCOL, CATALOGUE_LEGACY_PROTOCOLS)) ?? 0) >= 1, 'catalogue');
  }
  // metrics stay under the current ids whichever id a stream spoke
  assert.match(
    await dialler.node.metrics.metrics(),
    /murmur_protocol_bytes_total\{protocol="\/murmur\/journals\/sync\/1\.0\.0",direction="in"\} [1-9]/,
  );
  assert.equal(dialler.svc.sync.stats.faults, 0);
  assert.equal(dialled.svc.sync.stats.faults, 0);
});
