/**
 * The tree's library API through the public entry (`node.tree`): two nodes over loopback, a put on
 * one watched and subscribed on the other, grants and revocations, errors as coded MurmurErrors,
 * iterators that end when their signal fires.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import {
  createNode,
  generateKeyPair,
  isMurmurError,
  type KeyState,
  type MurmurNode,
  signerFromKeyPair,
  TreeService,
  type WatchEvent,
} from '../../src/index.ts';
import { addrOf, FAST, until } from '../helpers/cluster.ts';

type TreeNode = MurmurNode<{ tree: TreeService }>;
const nodes: TreeNode[] = [];
let a: TreeNode;
let b: TreeNode;
const text = (v: Uint8Array | null | undefined): string | undefined =>
  v == null ? undefined : new TextDecoder().decode(v);

async function treeNode(): Promise<TreeNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    services: { tree: new TreeService({ announceDebounceMs: 50, antiEntropyMs: 1000, pushBatchMs: 2 }) },
  });
  await node.start();
  nodes.push(node);
  return node;
}

before(async () => {
  a = await treeNode();
  b = await treeNode();
  await b.connect(addrOf(a));
  await b.tree.join(a.tree.publicKey);
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('node.tree exists only with a tree service; a node without one has undefined', async () => {
  const bare = await createNode({ store: new MemoryLevel({ valueEncoding: 'view' }) as never, services: [] });
  assert.equal(bare.tree, undefined);
  assert.equal(bare.journals, undefined);
  assert.equal(bare.chunks, undefined);
  assert.ok(a.tree.publicKey.match(/^[0-9a-f]{64}$/));
  assert.equal(a.tree.defaultTree, a.tree.publicKey);
});

test('a put on A is watched on B (initial set, tail, then the change); get, list, del', async () => {
  const root = a.tree.publicKey;
  await a.tree.put('/chat/first', 'hello');
  const ac = new AbortController();
  const seen: WatchEvent[] = [];
  const watching = (async () => {
    for await (const ev of b.tree.watch(['/chat/**'], { tree: root, signal: ac.signal })) {
      seen.push(ev);
      if (ev.type === 'entry' && ev.key === '/chat/second') ac.abort();
    }
  })();
  await until(() => seen.some((e) => e.type === 'tail'), { what: 'the watch tail' });
  await a.tree.put('/chat/second', new TextEncoder().encode('world'));
  await a.tree.put('/other', 'not watched');
  await watching; // ended by the abort, without an error
  const second = seen.find((e) => e.type === 'entry' && e.key === '/chat/second');
  assert.ok(second?.type === 'entry');
  assert.equal(text(second.entry?.value), 'world');
  assert.ok(!seen.some((e) => e.type === 'entry' && e.key === '/other'));

  // the write made before B joined arrives by reconciliation, maybe after the pushed one
  await until(async () => text((await b.tree.get('/chat/first', { tree: root }))?.value) === 'hello', {
    what: "A's first write on B",
  });
  assert.deepEqual(
    (await a.tree.list(['/chat/**'])).map((e) => e.key),
    ['/chat/first', '/chat/second'],
  );
  const tomb = await a.tree.del('/chat/first');
  assert.equal(tomb.value, null);
  assert.equal(await a.tree.get('/chat/first'), undefined);
  await until(async () => (await b.tree.get('/chat/first', { tree: root })) === undefined, {
    what: 'the deletion on B',
  });
  const held = b.tree.trees().find((t) => t.root === root);
  assert.equal(held?.default, false);
});

test('subscribe on B yields the current state, then the value A writes; ends on abort', async () => {
  const root = a.tree.publicKey;
  await a.tree.put('/status', 'one');
  await until(async () => text((await b.tree.get('/status', { tree: root }))?.value) === 'one');
  const ac = new AbortController();
  const states: KeyState[] = [];
  const subscribed = (async () => {
    for await (const s of b.tree.subscribe('/status', { tree: root, signal: ac.signal })) {
      states.push(s);
      if (text(s.value) === 'two') ac.abort();
    }
  })();
  await until(() => states.length > 0, { what: 'the first state' });
  assert.equal(text(states[0]!.value), 'one');
  await a.tree.put('/status', 'two');
  await subscribed;
  assert.equal(text(states.at(-1)!.value), 'two');
});

test("a grant lets B's key write A's tree; after the revocation B's writes are refused", async () => {
  const root = a.tree.publicKey;
  const key = generateKeyPair();
  const signer = signerFromKeyPair(key);
  await assert.rejects(a.tree.put('/shared/x', 'no grant yet', { signer }), (err) =>
    isMurmurError(err, 'MURMUR_TREE_NO_GRANT'),
  );
  const g = await a.tree.grant({ to: Buffer.from(key.publicKey).toString('hex'), pattern: '/shared/**' });
  assert.match(g.id, /^[0-9a-f]{64}$/);
  await until(() => b.tree.grants({ tree: root }).some((x) => x.id === g.id), { what: 'the grant on B' });
  await b.tree.put('/shared/x', 'by the grantee', { tree: root, signer });
  await until(async () => text((await a.tree.get('/shared/x'))?.value) === 'by the grantee', {
    what: "the grantee's write on A",
  });
  await a.tree.revoke(g.id);
  await until(() => b.tree.grants({ tree: root }).some((x) => x.id === g.id && x.revoked), {
    what: 'the revocation on B',
  });
  await assert.rejects(
    b.tree.put('/shared/y', 'revoked', { tree: root, signer }),
    (err) => isMurmurError(err) && err.code.startsWith('MURMUR_TREE_'),
  );
});

test('bad arguments and an aborted signal are coded errors', async () => {
  await assert.rejects(b.tree.join('not hex'), (err) => isMurmurError(err, 'MURMUR_INVALID_ARGUMENT'));
  await assert.rejects(b.tree.get('/x', { tree: '00'.repeat(32) }), (err) =>
    isMurmurError(err, 'MURMUR_TREE_UNKNOWN_TREE'),
  );
  await assert.rejects(a.tree.put('/x', 'v', { signal: AbortSignal.abort() }), (err) =>
    isMurmurError(err, 'MURMUR_ABORTED'),
  );
  const events: WatchEvent[] = [];
  for await (const ev of a.tree.watch([], { signal: AbortSignal.abort() })) events.push(ev);
  assert.deepEqual(events, []);
});
