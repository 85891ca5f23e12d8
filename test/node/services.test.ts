import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { ApiClient } from '../../src/api/index.ts';
import type { ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { NodeService, ServiceContext, ServicePeer } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { startHost } from '../../src/p2p/index.ts';
import { FrameReader } from '../../src/streamer/channel.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';

const ECHO = '/murmur/echo/1.0.0';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A toy service: echoes every frame back, with a 64-byte cap; records peer events. */
class EchoService implements NodeService {
  readonly name = 'echo';
  ctx: ServiceContext | undefined;
  readonly active: ServicePeer[] = [];
  readonly inactive: string[] = [];
  served = 0;
  stopped = false;

  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
    ctx.on('peer:active', (p) => this.active.push(p));
    ctx.on('peer:inactive', (p) => this.inactive.push(p.peerId));
    await ctx.store.put('started', enc.encode('yes'));
    await ctx.handle(
      ECHO,
      async (channel) => {
        this.served++;
        for await (const frame of channel) await channel.send(frame);
        channel.close();
      },
      { maxMessageBytes: 64, idleTimeoutMs: 2000 },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  routes(api: ApiServer): void {
    api.route('GET', '/v1/echo', () => ({ served: this.served, peers: this.ctx?.peers().length ?? 0 }));
  }

  async echo(peerId: string, text: string): Promise<string> {
    const channel = await this.ctx!.dial(peerId, ECHO, { maxMessageBytes: 1024 });
    await channel.send(enc.encode(text));
    const reply = await new FrameReader(channel).next({ timeoutMs: 5000 });
    channel.close();
    return dec.decode(reply);
  }
}

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('an echo service between two real nodes: handle, dial, events, store, strike on an oversized frame', async () => {
  const ea = new EchoService();
  const eb = new EchoService();
  const a = await startNode({ services: [ea] });
  const b = await startNode({ services: [eb] });
  nodes.push(a, b);
  assert.equal(a.service?.('echo'), ea);
  assert.equal(a.service?.('nope'), undefined);
  assert.equal(dec.decode(await ea.ctx!.store.get('started')), 'yes');

  // Not active yet: dial refuses.
  await assert.rejects(ea.ctx!.dial(b.peerId, ECHO), (e: unknown) =>
    isMurmurError(e, 'MURMUR_PEER_NOT_ACTIVE'),
  );

  await a.connect(addrOf(b));
  await until(() => ea.active.length === 1 && eb.active.length === 1, {
    timeoutMs: 60_000,
    what: 'peer:active on both',
  });
  assert.equal(ea.active[0]!.peerId, b.peerId);
  assert.equal(Buffer.from(ea.active[0]!.overlay).toString('hex'), b.overlay);
  assert.equal(ea.active[0]!.po, ea.ctx!.peers()[0]!.po);
  assert.deepEqual(
    ea.ctx!.peers().map((p) => p.peerId),
    [b.peerId],
  );
  assert.equal(typeof ea.ctx!.depth(), 'number');

  assert.equal(await ea.echo(b.peerId, 'hello'), 'hello');
  assert.equal(await eb.echo(a.peerId, 'back'), 'back');
  assert.equal(eb.served, 1);

  const metrics = await b.metrics.metrics();
  assert.match(
    metrics,
    /murmur_protocol_messages_total\{protocol="\/murmur\/echo\/1.0.0",direction="in"\} 2/,
  );
  assert.match(
    metrics,
    /murmur_protocol_bytes_total\{protocol="\/murmur\/echo\/1.0.0",direction="out"\} \d+/,
  );

  // A frame over the 64-byte cap of the handler: the stream is aborted and a strike counted.
  const channel = await ea.ctx!.dial(b.peerId, ECHO, { maxMessageBytes: 4096 });
  await channel.send(new Uint8Array(100)).catch(() => {});
  await assert.rejects(new FrameReader(channel).next({ timeoutMs: 5000 }));
  await until(() => b.peers().find((p) => p.peerId === a.peerId)?.strikes === 1, {
    timeoutMs: 60_000,
    what: 'strike',
  });
  assert.match(await b.metrics.metrics(), /murmur_misbehaviour_strikes_total\{kind="oversized"\} 1/);
  // One strike is not purgatory: the echo still works.
  assert.equal(stateOf(b, a.peerId), 'active');
  assert.equal(await ea.echo(b.peerId, 'still'), 'still');

  // A peer's service can report misbehaviour itself.
  eb.ctx!.strike(a.peerId, 'forged');
  assert.match(await b.metrics.metrics(), /murmur_misbehaviour_strikes_total\{kind="echo:forged"\} 1/);

  await b.stop();
  await until(() => ea.inactive.includes(b.peerId), { timeoutMs: 60_000, what: 'peer:inactive' });
  assert.equal(eb.stopped, true);
  assert.deepEqual(ea.ctx!.peers(), []);
});

test('services start in order, stop in reverse; duplicate names are refused', async () => {
  const order: string[] = [];
  const mk = (name: string): NodeService => ({
    name,
    async start() {
      order.push(`start:${name}`);
    },
    async stop() {
      order.push(`stop:${name}`);
    },
  });
  const node = await startNode({ services: [mk('one'), mk('two')] });
  await node.stop();
  assert.deepEqual(order, ['start:one', 'start:two', 'stop:two', 'stop:one']);
  await assert.rejects(startNode({ services: [mk('same'), mk('same')] }), (e: unknown) =>
    isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
});

test("a service cannot take one of the node's own store namespaces as its name", async () => {
  for (const name of ['meta', 'peers']) {
    await assert.rejects(
      startNode({ services: [{ name, async start() {}, async stop() {} }] }),
      (e: unknown) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
      name,
    );
  }
});

test('a service protocol opened by a peer that never handshakes is refused', async () => {
  const echo = new EchoService();
  const node = await startNode({ services: [echo] });
  nodes.push(node);
  const raw = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  try {
    // Keep the handshake from running: the raw host has no handshake handler, so the node's
    // inbound handshake deadline applies, and the echo stream waits for an activation that never comes.
    const stream = await raw.dialProtocol(multiaddr(addrOf(node)), ECHO);
    stream.send(Uint8Array.from([5, 104, 101, 108, 108, 111]));
    const got: Uint8Array[] = [];
    try {
      for await (const chunk of stream) got.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
    } catch {
      // aborted by the node
    }
    assert.equal(got.length, 0);
    assert.equal(echo.served, 0);
  } finally {
    await raw.stop();
  }
});

test('the daemon passes services to the node and adds their routes before the API starts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-svc-'));
  const echo = new EchoService();
  const config = await loadConfig({
    flags: { data: dir, api: '127.0.0.1:0', listen: FAST.listen ?? [] },
    env: {},
  });
  const daemon = new Daemon({ config, services: [echo] });
  try {
    await daemon.start();
    assert.equal(daemon.node.service?.('echo'), echo);
    const client = await ApiClient.fromDataDir(dir);
    assert.deepEqual(await client.request('GET', '/v1/echo'), { served: 0, peers: 0 });
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
