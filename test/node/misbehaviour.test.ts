import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { MemoryLevel } from 'memory-level';
import { isMurmurError } from '../../src/errors/index.ts';
import { HANDSHAKE_PROTOCOL, initiateHandshake } from '../../src/handshake/index.ts';
import { loadOrCreateIdentity, overlayAddressOf } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { HIVE_PROTOCOL } from '../../src/overlay/index.ts';
import { type Host, startHost } from '../../src/p2p/index.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
const hosts: Host[] = [];
const dirs: string[] = [];
let metricsText = '';
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(hosts.map((h) => h.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function rawHost(privateKey?: Awaited<ReturnType<typeof generateKeyPair>>): Promise<Host> {
  const host = await startHost({
    privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  hosts.push(host);
  return host;
}

test('garbage on the handshake protocol: strikes, then purgatory; the node keeps working', async () => {
  const node = await startNode();
  nodes.push(node);
  const evil = await rawHost();
  const target = multiaddr(addrOf(node));
  const junk = [
    Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // over-long varint
    Uint8Array.from([0x80, 0x80, 0x80, 0x40]), // announces far over the cap
    Uint8Array.from([0x05, 1, 2, 3, 4, 5]), // a frame that is not a Hello
  ];
  for (const bytes of junk) {
    try {
      const stream = await evil.dialProtocol(target, HANDSHAKE_PROTOCOL);
      stream.send(bytes);
      for await (const _ of stream) {
        // drain until the node closes it
      }
    } catch {
      // the node aborts the stream / refuses the connection
    }
    await until(() => evil.getConnections().length === 0, {
      timeoutMs: 60_000,
      what: 'node drops the connection',
    });
  }
  await until(() => stateOf(node, evil.peerId.toString()) === 'purgatory', {
    timeoutMs: 60_000,
    what: 'purgatory',
  });
  const metrics = await node.metrics.metrics();
  assert.match(metrics, /murmur_misbehaviour_strikes_total\{kind="(undecodable|oversized)"\} [1-3]/);
  assert.match(metrics, /murmur_peers\{state="purgatory"\} 1/);
  // In purgatory, its connections are dropped at once, before any murmur protocol runs.
  await evil.dial(target).catch(() => undefined);
  await until(() => evil.getConnections().length === 0, {
    timeoutMs: 60_000,
    what: 'purgatory peer dropped',
  });
  // The node is unharmed: a well-behaved peer still connects.
  const good = await startNode();
  nodes.push(good);
  const info = await good.connect(addrOf(node));
  assert.equal(info.state, 'active');
});

test('hive before the handshake is a protocol violation; garbage hive from an active peer is struck', async () => {
  const node = await startNode();
  nodes.push(node);
  const target = multiaddr(addrOf(node));
  const early = await rawHost();
  const stream = await early.dialProtocol(target, HIVE_PROTOCOL).catch(() => undefined);
  stream?.abort(new Error('done'));
  await until(() => /strikes_total\{kind="protocol"\} 1/.test(metricsText), {
    timeoutMs: 60_000,
    what: 'protocol strike',
    refresh: async () => {
      metricsText = await node.metrics.metrics();
    },
  });

  // A peer that handshakes properly, then sends an undecodable hive message.
  const rogue = await rawHost();
  const conn = await rogue.dial(target);
  await initiateHandshake(
    await conn.newStream(HANDSHAKE_PROTOCOL),
    {
      networkId: 'murmur',
      overlay: overlayAddressOf(rogue.peerId.toMultihash().bytes, 'murmur'),
      protocols: [HANDSHAKE_PROTOCOL],
      addrs: () => [],
    },
    conn.remotePeer,
  );
  await until(() => stateOf(node, rogue.peerId.toString()) === 'active', {
    timeoutMs: 60_000,
    what: 'rogue active',
  });
  const hive = await conn.newStream(HIVE_PROTOCOL);
  hive.send(Uint8Array.from([0x03, 0xff, 0xff, 0xff]));
  await hive.close().catch(() => {});
  await until(() => (node.peers().find((p) => p.peerId === rogue.peerId.toString())?.strikes ?? 0) === 1, {
    timeoutMs: 60_000,
    what: 'strike',
  });
  assert.match(await node.metrics.metrics(), /strikes_total\{kind="undecodable"\} 1/);
});

test('a second connection from an active peer is refused as duplicate; the first stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-dup-'));
  dirs.push(dir);
  const a = await createNode({
    ...FAST,
    dataDir: dir,
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
  });
  await a.start();
  const b = await startNode();
  nodes.push(a, b);
  await a.connect(addrOf(b));
  await until(() => stateOf(b, a.peerId) === 'active', { timeoutMs: 60_000, what: 'b sees a' });
  // A second host with a's identity opens another connection to b and handshakes properly.
  const { privateKey, peerId } = await loadOrCreateIdentity(dir);
  const twin = await rawHost(privateKey);
  const conn = await twin.dial(multiaddr(addrOf(b)));
  const stream = await conn.newStream(HANDSHAKE_PROTOCOL);
  await assert.rejects(
    initiateHandshake(
      stream,
      {
        networkId: 'murmur',
        overlay: overlayAddressOf(peerId.toMultihash().bytes, 'murmur'),
        protocols: [HANDSHAKE_PROTOCOL],
        addrs: () => [],
      },
      conn.remotePeer,
    ),
    (e: unknown) => isMurmurError(e, 'MURMUR_HANDSHAKE_REFUSED') && e.details?.reason === 'duplicate',
  );
  assert.match(
    await b.metrics.metrics(),
    /murmur_handshake_refusals_total\{reason="duplicate",by="local"\} 1/,
  );
  assert.equal(stateOf(b, a.peerId), 'active');
  assert.equal(stateOf(a, b.peerId), 'active');
});
