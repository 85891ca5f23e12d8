import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { type Chunk, hex, makeChunk } from '../../src/chunks/chunk.ts';
import { split } from '../../src/chunks/file/splitter.ts';
import { binsFor } from '../../src/chunks/puller.ts';
import { decodeRetrieval, encodeRetrieval } from '../../src/chunks/retrieval/index.ts';
import { ChunksService } from '../../src/chunks/service.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { addrOf, serviceCluster, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

async function cluster(
  n: number,
  opts: ConstructorParameters<typeof ChunksService>[0] = {},
): Promise<{ nodes: MurmurNode[]; chunks: ChunksService[] }> {
  const c = await serviceCluster(n, {
    transport: 'libp2p',
    services: () => [new ChunksService({ backoffMs: [50, 100, 200], ...opts })],
  });
  const list = c.members.map((m) => m.node!);
  nodes.push(...list);
  for (const node of list.slice(1)) await node.connect(addrOf(list[0]!));
  return { nodes: list, chunks: c.members.map((m) => m.service<ChunksService>('chunks')) };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

test('binsFor: a peer outside the depth syncs its bin, one inside every bin from depth up', () => {
  assert.deepEqual(binsFor(2, 5), [2]);
  assert.deepEqual(
    binsFor(5, 5),
    Array.from({ length: 27 }, (_, i) => i + 5),
  );
  assert.equal(binsFor(0, 0).length, 32);
});

test('retrieval messages round-trip and reject junk', () => {
  const address = randomBytes(32);
  const skip = [randomBytes(32), randomBytes(32)];
  assert.deepEqual(decodeRetrieval(encodeRetrieval({ type: 'request', address, hops: 3, skip })), {
    type: 'request',
    address: new Uint8Array(address),
    hops: 3,
    skip: skip.map((s) => new Uint8Array(s)),
  });
  const data = makeChunk(randomBytes(100)).data;
  assert.deepEqual(decodeRetrieval(encodeRetrieval({ type: 'delivery', data })), { type: 'delivery', data });
  assert.throws(() => decodeRetrieval(Uint8Array.of(9)), /MURMUR|unknown/);
});

test('retrieval decoder: random and corrupted bytes throw a stable MurmurError or decode', () => {
  const valid = encodeRetrieval({ type: 'request', address: new Uint8Array(32).fill(7), hops: 2, skip: [] });
  const check = (bytes: Uint8Array): void => {
    try {
      const m = decodeRetrieval(bytes);
      assert.ok(['request', 'delivery', 'not-found'].includes(m.type));
    } catch (err) {
      assert.ok(
        isMurmurError(err, 'MURMUR_CHUNKS_BAD_MESSAGE') ||
          isMurmurError(err, 'MURMUR_CHUNKS_MESSAGE_TOO_LARGE'),
        String(err),
      );
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), (b) => check(b)),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (i, v) => {
      const b = valid.slice();
      b[i] = v;
      check(b);
    }),
    { numRuns: 300 },
  );
  check(new Uint8Array(10_000));
});

test('three real nodes: a file put on A reaches B and C by pull-sync and is got intact on C', async () => {
  const { chunks } = await cluster(3);
  const [a, , c] = chunks as [ChunksService, ChunksService, ChunksService];
  const file = randomBytes(600 * 1024 + 123); // two levels of intermediate chunks
  const produced: Chunk[] = [];
  await split([file], async (batch) => {
    produced.push(...batch);
  });
  const r = await a.put([file]);
  assert.equal(r.chunks, produced.length);
  // depth is 0 with three nodes: every node is in every chunk's neighbourhood, so all get all chunks
  for (const s of chunks) {
    await until(() => s.stats.delivered + (s === a ? produced.length : 0) >= produced.length, {
      timeoutMs: 60_000,
      what: 'sync',
    });
  }
  for (const s of chunks) {
    const have = await s.store.hasMany(produced.map((ch) => ch.address));
    assert.ok(
      have.every((x) => x),
      'every chunk stored on every node',
    );
  }
  const got = await collect(c.get(r.root));
  assert.ok(got.equals(file));
  // one transfer per chunk: C never received a chunk twice
  assert.ok(c.stats.delivered <= produced.length);
  // C dialled only A; B becomes an active peer of C through peer exchange, possibly after the sync
  const subscribed = (): number =>
    Object.keys((c.status() as { subscriptions: Record<string, number[]> }).subscriptions).length;
  await until(() => subscribed() === 2, { timeoutMs: 60_000, what: 'C subscribed to both peers' });
});

test('retrieval: with pull-sync off, C fetches a file stored only on A through the network', async () => {
  const { chunks } = await cluster(3, { pull: false });
  const [a, b, c] = chunks as [ChunksService, ChunksService, ChunksService];
  const file = randomBytes(70_000);
  const r = await a.put([file]);
  assert.equal(await c.store.get(r.root), undefined);
  const got = await collect(c.get(r.root));
  assert.ok(got.equals(file));
  assert.ok(a.retrieval.stats.served >= r.chunks);
  // the fetched chunks are cached on C
  assert.notEqual(await c.store.get(r.root), undefined);
  // unknown address: not found, no hang
  assert.equal(await b.getChunk(randomBytes(32)), undefined);
  assert.equal(hex(r.root).length, 64);
});
