/**
 * An inbound service stream that arrives before its connection's handshake: the ServiceHost waits for
 * the peer to turn active (then serves it), for the connection to close, or for SERVICE_ACTIVE_WAIT_MS
 * on the node's clock (then refuses it). The node runs on a VirtualClock, so the deadline passes only
 * when the test advances it; a raw libp2p host plays the early dialler.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { VirtualClock } from '../../src/clock/index.ts';
import { HANDSHAKE_PROTOCOL, initiateHandshake } from '../../src/handshake/index.ts';
import { overlayAddressOf } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { SERVICE_ACTIVE_WAIT_MS } from '../../src/node/constants.ts';
import type { NodeService, ServiceContext } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { type Host, startHost } from '../../src/p2p/index.ts';
import { addrOf, FAST, startNode, until } from '../helpers/cluster.ts';

const EARLY = '/murmur/probe/early/1';

class Early implements NodeService {
  readonly name = 'early';
  /** Peers whose stream reached the handler. */
  readonly served: string[] = [];

  async start(ctx: ServiceContext): Promise<void> {
    await ctx.handle(EARLY, async (ch, peer) => {
      this.served.push(peer.peerId);
      ch.close();
    });
  }

  async stop(): Promise<void> {}
}

const clock = new VirtualClock(1_000_000);
const service = new Early();
const hosts: Host[] = [];
let node: MurmurNode;

before(async () => {
  // the inbound handshake deadline (2 × handshakeTimeoutMs) comes after the service wait
  const handshakeTimeoutMs = SERVICE_ACTIVE_WAIT_MS;
  node = await startNode({ clock, timers: { ...FAST.timers, handshakeTimeoutMs }, services: [service] });
});

after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await node?.stop();
});

async function early(): Promise<{ host: Host; conn: Connection; stream: Stream }> {
  const host = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  hosts.push(host);
  const pending = clock.pending;
  const conn = await host.dial(multiaddr(addrOf(node)));
  const stream = await conn.newStream(EARLY);
  // the node armed the inbound handshake deadline and the stream's wait, both on its clock
  await until(() => clock.pending === pending + 2, { what: 'the early stream waiting' });
  return { host, conn, stream };
}

test('an early stream is served once its connection handshakes, with no clock time passing', async () => {
  const { host, conn } = await early();
  const at = clock.now();
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
  await until(() => service.served.includes(host.peerId.toString()), { what: 'the early stream served' });
  assert.equal(clock.now(), at);
});

test('an early stream whose connection closes stops waiting at once', async () => {
  const { host, conn } = await early();
  const pending = clock.pending;
  await conn.close();
  // its wait's deadline is cleared without the clock moving
  await until(() => clock.pending === pending - 1, { what: 'the wait ended by the close' });
  assert.ok(!service.served.includes(host.peerId.toString()));
});

test('an early stream from a peer that never handshakes is refused when the wait passes on the node clock', async () => {
  const { host, conn, stream } = await early();
  await clock.tickAsync(SERVICE_ACTIVE_WAIT_MS - 1);
  assert.equal(stream.status, 'open');
  await clock.tickAsync(1);
  await until(() => stream.status !== 'open', { what: 'the early stream aborted' });
  assert.equal(conn.status, 'open'); // the wait ended it, not the connection's handshake deadline
  assert.ok(!service.served.includes(host.peerId.toString()));
});
