/**
 * The chunks' library API through the public entry (`node.chunks`): a file put on A with progress,
 * got on B as a stream (chunks retrieved or pull-synced from A, each verified), pin / unpin, coded
 * errors.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { ChunksService, createNode, isMurmurError, type MurmurNode } from '../../src/index.ts';
import { addrOf, FAST } from '../helpers/cluster.ts';

type ChunkNode = MurmurNode<{ chunks: ChunksService }>;
const nodes: ChunkNode[] = [];
let a: ChunkNode;
let b: ChunkNode;

async function chunkNode(): Promise<ChunkNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    services: { chunks: new ChunksService({ backoffMs: [50, 100, 200] }) },
  });
  await node.start();
  nodes.push(node);
  return node;
}

before(async () => {
  a = await chunkNode();
  b = await chunkNode();
  await b.connect(addrOf(a));
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('a file put on A with progress is got on B, with progress, byte for byte', async () => {
  const data = new Uint8Array(randomBytes(300_000));
  const progress: bigint[] = [];
  // a web ReadableStream in uneven pieces
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < data.length; at += 70_001) controller.enqueue(data.subarray(at, at + 70_001));
      controller.close();
    },
  });
  const stored = await a.chunks.put(source, { onProgress: (n) => progress.push(n) });
  assert.match(stored.root, /^[0-9a-f]{64}$/);
  assert.equal(stored.span, BigInt(data.length));
  assert.ok(stored.chunks > 70);
  assert.equal(progress.at(-1), BigInt(data.length));
  assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]!));

  const got: bigint[] = [];
  const parts: Uint8Array[] = [];
  for await (const piece of b.chunks.get(stored.root, { onProgress: (n) => got.push(n) })) parts.push(piece);
  assert.deepEqual(new Uint8Array(Buffer.concat(parts)), data);
  assert.equal(got.at(-1), BigInt(data.length));
  assert.ok(got.length > 1);
  assert.deepEqual(await a.chunks.bytes(stored.root), data);
});

test('put bytes pinned; pin and unpin on B; pins listed', async () => {
  const data = new Uint8Array(randomBytes(10_000));
  const stored = await a.chunks.put(data, { pin: true });
  assert.equal(stored.pinned, true);
  assert.ok((await a.chunks.pins()).some((p) => p.root === stored.root));
  const pinned = await b.chunks.pin(stored.root);
  assert.equal(pinned.root, stored.root);
  assert.ok((await b.chunks.pins()).some((p) => p.root === stored.root));
  await b.chunks.unpin(stored.root);
  assert.ok(!(await b.chunks.pins()).some((p) => p.root === stored.root));
});

test('coded errors: a bad address, an unknown file, an aborted put', async () => {
  assert.throws(
    () => a.chunks.get('not an address'),
    (err) => isMurmurError(err, 'MURMUR_INVALID_ARGUMENT'),
  );
  const reader = b.chunks.get('00'.repeat(32), { signal: AbortSignal.timeout(20_000) }).getReader();
  await assert.rejects(reader.read(), (err) => isMurmurError(err, 'MURMUR_CHUNKS_NOT_FOUND'));
  await assert.rejects(a.chunks.put(new Uint8Array(10), { signal: AbortSignal.abort() }), (err) =>
    isMurmurError(err, 'MURMUR_ABORTED'),
  );
  await assert.rejects(a.chunks.put(42 as never), (err) => isMurmurError(err, 'MURMUR_INVALID_ARGUMENT'));
});
