import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { isMurmurError } from '../../src/errors/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { readGoodbye } from '../../src/node/goodbye.ts';
import { createNode, GOODBYE_PROTOCOL } from '../../src/node/index.ts';
import type { MurmurNode, PeerInfo } from '../../src/node/types.ts';
import { encodeFrame, type Host, type MessageStreamLike, startHost } from '../../src/p2p/index.ts';
import { PeerBook } from '../../src/peers/index.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
const dirs: string[] = [];
const hosts: Host[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(hosts.map((h) => h.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function memory() {
  return new MemoryLevel({ valueEncoding: 'view' });
}

test('a clean stop says goodbye: lifesupport at once, no strike, redialled when it is back', async () => {
  const a = await startNode({
    peerBook: { ...FAST.peerBook, backoffMs: [200, 400, 800, 1600, 3200, 6400, 12_800] },
  });
  nodes.push(a);
  const dir = mkdtempSync(join(tmpdir(), 'murmur-goodbye-'));
  dirs.push(dir);
  const listen = [`/ip4/127.0.0.1/tcp/${await freePort()}`];
  const storeB = memory();
  const b = await createNode({ ...FAST, dataDir: dir, store: storeB as never, listen });
  await b.start();
  await a.connect(addrOf(b));
  await until(() => stateOf(b, a.peerId) === 'active', { what: 'B sees A active' });

  const seen: PeerInfo[] = [];
  a.on('peer:state', (p) => {
    if (p.peerId === b.peerId) seen.push(p);
  });
  await b.stop();
  await until(() => stateOf(a, b.peerId) === 'lifesupport', {
    timeoutMs: 5_000,
    what: 'A moves B to lifesupport',
  });
  const first = seen[0];
  assert.equal(first?.state, 'lifesupport', 'the first change A records is lifesupport');
  assert.equal(first?.reason, 'goodbye', 'because B said goodbye (not a broken stream, nor a missed pong)');
  assert.equal(first?.strikes, 0);
  assert.ok(
    seen.every((p) => p.state !== 'purgatory' && p.strikes === 0),
    'a clean stop is never struck',
  );

  // B left A active in its saved book: its next start redials A at once (reason 'restart').
  const saved = new PeerBook({ store: storeB.sublevel('peers', { valueEncoding: 'view' }) as never });
  await saved.start();
  assert.equal(saved.get(a.peerId)?.reason, 'restart');
  await saved.stop();

  // B comes back on the same identity and address, with an empty book: A redials it by itself.
  const back = await createNode({ ...FAST, dataDir: dir, store: memory() as never, listen });
  await back.start();
  nodes.push(back);
  assert.equal(back.peerId, b.peerId);
  await until(() => stateOf(a, b.peerId) === 'active', {
    timeoutMs: 30_000,
    what: 'A reconnects to B without an operator',
  });
  assert.ok(seen.every((p) => p.state !== 'purgatory'));
});

test('a goodbye from a peer that never handshook changes nothing; an oversized one is struck', async () => {
  const node = await startNode();
  nodes.push(node);
  const rogue = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  hosts.push(rogue);
  const target = multiaddr(addrOf(node));
  const polite = await rogue.dialProtocol(target, GOODBYE_PROTOCOL);
  polite.send(encodeFrame(new TextEncoder().encode('shutdown'), 64));
  for await (const _ of polite) break; // the node answers once it has acted
  assert.equal(stateOf(node, rogue.peerId.toString()), undefined, 'no entry for a stranger');
  const rude = await rogue.dialProtocol(target, GOODBYE_PROTOCOL);
  rude.send(encodeFrame(new Uint8Array(1000), 1000));
  await until(async () => /strikes_total\{kind="oversized"\} 1/.test(await node.metrics.metrics()), {
    what: 'oversized goodbye struck',
  });
});

/** A stream that yields the given chunks, then ends; records what is written to it. */
function scripted(chunks: Uint8Array[]): { stream: MessageStreamLike; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  const stream = {
    send: (d: Uint8Array) => {
      writes.push(d.slice());
      return true;
    },
    onDrain: async () => {},
    close: async () => {},
    abort: () => {},
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
  } as unknown as MessageStreamLike;
  return { stream, writes };
}

test('readGoodbye on arbitrary bytes: a reason and an answer, or a framing error; nothing else', async () => {
  const allowed = [
    'MURMUR_FRAME_TOO_LARGE',
    'MURMUR_FRAME_MALFORMED',
    'MURMUR_STREAM_CLOSED',
    'MURMUR_TIMEOUT',
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 4 }), async (chunks) => {
      const { stream, writes } = scripted(chunks);
      const reasons: string[] = [];
      try {
        await readGoodbye(stream, 1000, (r) => reasons.push(r));
        assert.equal(reasons.length, 1);
        assert.equal(writes.length, 1, 'answered once acted on');
      } catch (err) {
        assert.ok(isMurmurError(err) && allowed.includes(err.code), String(err));
        assert.equal(reasons.length, 0);
      }
    }),
    { numRuns: 500 },
  );
  // Every reason up to the cap is read back as sent.
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 16 }), async (reason) => {
      const { stream } = scripted([encodeFrame(new TextEncoder().encode(reason), 64)]);
      let got: string | undefined;
      await readGoodbye(stream, 1000, (r) => {
        got = r;
      });
      assert.equal(got, reason);
    }),
  );
});
