/**
 * The strike policy across real nodes: only provable misbehaviour strikes (the error table's strike
 * kind), once per incident; churn (a clean stop, a protocol a peer does not serve) never does.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { MemoryLevel } from 'memory-level';
import { PULLSYNC_PROTOCOL } from '../../src/chunks/pullsync/constants.ts';
import { ChunksService } from '../../src/chunks/service.ts';
import { HANDSHAKE_PROTOCOL, initiateHandshake } from '../../src/handshake/index.ts';
import { overlayAddressOf } from '../../src/identity/index.ts';
import { CATALOGUE_PROTOCOL, JOURNALS_PROTOCOL } from '../../src/journals/constants.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { type Logger, silentLogger } from '../../src/log/index.ts';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { type Host, startHost } from '../../src/p2p/index.ts';
import { addrOf, FAST, serviceCluster, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
const hosts: Host[] = [];
const dirs: string[] = [];
const stops: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(stops.map((s) => s()));
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(hosts.map((h) => h.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const strikesOf = (node: MurmurNode, peerId: string): number =>
  node.peers().find((p) => p.peerId === peerId)?.strikes ?? 0;

const metricsOf = async (node: MurmurNode): Promise<string> => node.metrics.metrics();

/** Strike kinds counted by `node` (the murmur_misbehaviour_strikes_total series), for messages. */
async function strikeSeries(node: MurmurNode): Promise<string> {
  return (await metricsOf(node))
    .split('\n')
    .filter((l) => l.startsWith('murmur_misbehaviour_strikes_total{'))
    .join(', ');
}

test('a node stopped cleanly in the middle of a sync earns no strike from the others', async () => {
  const c = await serviceCluster(3, {
    transport: 'libp2p',
    // quick retries: a peer redials a stopping node while its protocols go away
    services: () => [new ChunksService({ backoffMs: [1, 5, 20] })],
  });
  stops.push(() => c.stop());
  const [a, b, z] = c.members as [(typeof c.members)[0], (typeof c.members)[0], (typeof c.members)[0]];
  const chunksOf = (m: typeof a): ChunksService => m.service<ChunksService>('chunks');
  await chunksOf(a).put([randomBytes(16 * 1024 * 1024)]);
  await c.connect(1, 0);
  await c.connect(2, 0);
  await c.connect(2, 1);
  const stored = (m: typeof a): number =>
    chunksOf(m)
      .store.cursors()
      .reduce((n, x) => n + Number(x), 0);
  const total = stored(a);
  // stop z while it is still syncing (it holds some of the file, not all of it)
  await until(() => stored(z) > 0, { what: 'z syncing', everyMs: 5 });
  const partial = stored(z);
  await z.stop();
  assert.ok(partial < total, 'stopped before the end of the sync');
  // both see z gone and their pullers have dropped it; its streams and redials failed meanwhile
  for (const m of [a, b]) {
    await until(() => m.stateOf(z.peerId) !== 'active', { what: 'z inactive' });
    await until(() => chunksOf(m).puller?.subscriptions()[z.peerId] === undefined, {
      what: 'z unsubscribed',
    });
  }
  // a and b still sync from each other to the end (nothing about z disturbed them)
  await until(() => stored(b) === total, { what: 'b complete' });
  for (const m of [a, b]) {
    assert.equal(m.strikes(z.peerId), 0, `strikes against the stopped node: ${await strikeSeries(m.node!)}`);
    assert.notEqual(m.stateOf(z.peerId), 'purgatory');
  }
});

test('an honest peer that does not run the chunks service is never struck, across 5 reconnects', async () => {
  const served = await startNode({ services: [new ChunksService({ backoffMs: [50, 100, 200] })] });
  nodes.push(served);
  const dir = mkdtempSync(join(tmpdir(), 'murmur-nochunks-'));
  dirs.push(dir);
  const chunks = served.services.chunks as ChunksService;
  let id = '';
  for (let round = 0; round < 5; round++) {
    const lib = await createNode({
      ...FAST,
      dataDir: dir,
      store: new MemoryLevel({ valueEncoding: 'view' }) as never,
      services: [],
    });
    await lib.start();
    id = lib.peerId;
    const info = await lib.connect(addrOf(served));
    assert.equal(info.state, 'active', `round ${round}`);
    await until(() => stateOf(served, id) === 'active', { what: `round ${round}: active` });
    // the served node tried pull-sync with it: either it struck (the old way) or it knows the peer
    // does not serve pull-sync
    await until(() => strikesOf(served, id) > 0 || chunks.puller?.notServing().includes(id) === true, {
      what: `round ${round}: the pull-sync attempt`,
    });
    assert.equal(strikesOf(served, id), 0, `round ${round}: ${await strikeSeries(served)}`);
    await lib.stop();
    await until(() => stateOf(served, id) !== 'active', { what: `round ${round}: inactive` });
  }
  assert.notEqual(stateOf(served, id), 'purgatory');
  assert.equal(strikesOf(served, id), 0);
});

/** A libp2p host that completes the murmur handshake with `node` and then speaks raw bytes. */
async function rogueOf(node: MurmurNode): Promise<{ host: Host; conn: Connection; id: string }> {
  const host = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  hosts.push(host);
  const conn = await host.dial(multiaddr(addrOf(node)));
  await initiateHandshake(
    await conn.newStream(HANDSHAKE_PROTOCOL),
    {
      networkId: 'murmur',
      overlay: overlayAddressOf(host.peerId.toMultihash().bytes, 'murmur'),
      protocols: [HANDSHAKE_PROTOCOL],
      addrs: () => [],
    },
    conn.remotePeer,
  );
  const id = host.peerId.toString();
  await until(() => stateOf(node, id) === 'active', { what: 'rogue active' });
  return { host, conn, id };
}

/** A well-framed message (length prefix right) whose body is not the protocol's message. */
const GARBAGE = Uint8Array.from([0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

/** Opens `n` streams on `protocol` at once and sends each the garbage frame. */
async function garbage(conn: Connection, protocol: string, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      const s = await conn.newStream(protocol);
      s.send(GARBAGE);
      await s.close().catch(() => {});
    }),
  );
}

test('garbage on the journals, catalogue and pull-sync streams is struck, once per incident', async () => {
  const node = await startNode({
    services: [new ChunksService({ backoffMs: [50, 100, 200] }), new JournalsService()],
    peerBook: { ...FAST.peerBook, strikeThreshold: 50 },
  });
  nodes.push(node);
  for (const protocol of [PULLSYNC_PROTOCOL, JOURNALS_PROTOCOL, CATALOGUE_PROTOCOL]) {
    // one incident: a fresh rogue peer sends one bad message on the protocol
    const { conn, id } = await rogueOf(node);
    await garbage(conn, protocol, 1);
    await until(() => strikesOf(node, id) > 0, {
      what: `a strike for garbage on ${protocol}`,
      timeoutMs: 20_000,
    });
    await until(() => conn.streams.filter((s) => s.protocol === protocol).length === 0, {
      what: `the node ended the bad ${protocol} stream`,
    });
    // struck once: not by each layer that saw the error, nor for the node's own dials of
    // protocols the rogue does not serve
    assert.equal(strikesOf(node, id), 1, `${protocol}: ${await strikeSeries(node)}`);
  }
  const series = await strikeSeries(node);
  assert.match(series, /kind="chunks:/);
  assert.match(series, /kind="journals:/);
});

test('the warning for bad pull-sync streams is rate-limited', async () => {
  const lines: string[] = [];
  const capture = (level: string): ((obj: object | string, msg?: string) => void) => {
    return (obj, msg) => {
      if (level === 'warn' || level === 'error') {
        lines.push(
          JSON.stringify(obj, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)) +
            (msg ?? ''),
        );
      }
    };
  };
  const logger: Logger = {
    trace: capture('trace'),
    debug: capture('debug'),
    info: capture('info'),
    warn: capture('warn'),
    error: capture('error'),
    child: () => logger,
  };
  const node = await startNode({
    logger,
    services: [new ChunksService({ backoffMs: [50, 100, 200] })],
    peerBook: { ...FAST.peerBook, strikeThreshold: 1000 },
  });
  nodes.push(node);
  const { conn, id } = await rogueOf(node);
  const before = lines.length;
  for (let i = 0; i < 10; i++) await garbage(conn, PULLSYNC_PROTOCOL, 5);
  const chunks = node.services.chunks as ChunksService;
  await until(() => (chunks.stats.badRequests ?? 0) >= 50 || lines.length - before >= 50, {
    what: '50 bad streams served',
  });
  const warned = lines.slice(before);
  const bytes = warned.reduce((n, l) => n + l.length, 0);
  assert.ok(warned.length <= 2, `${warned.length} warnings for 50 bad streams from ${id}`);
  assert.ok(bytes < 2048, `${bytes} bytes of warnings for 50 bad streams`);
});
