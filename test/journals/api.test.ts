/**
 * The journals' library API through the public entry (`node.journals`): a journal created and
 * appended on A, followed live on B (history, then new events, ending when the signal fires), read,
 * snapshotted, and coded errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import {
  createNode,
  isMurmurError,
  JournalsApi,
  JournalsService,
  type MurmurNode,
  type TailItem,
} from '../../src/index.ts';
import { addrOf, FAST, until } from '../helpers/cluster.ts';

type JournalNode = MurmurNode<{ journals: JournalsService }>;
const nodes: JournalNode[] = [];
let a: JournalNode;
let b: JournalNode;

async function journalNode(): Promise<JournalNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    services: {
      journals: new JournalsService({
        catalogueIntervalMs: 200,
        stallTimeoutMs: 1000,
        backoffMs: 500,
        reopenMs: 100,
      }),
    },
  });
  await node.start();
  nodes.push(node);
  return node;
}

before(async () => {
  a = await journalNode();
  b = await journalNode();
  await b.connect(addrOf(a));
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('a journal appended on A is followed live on B: history, then new events; the follow ends on abort', async () => {
  const info = await a.journals.create('orders');
  assert.equal(info.id, a.journals.idOf('orders'));
  assert.equal(info.id.split('/')[0], a.journals.writer);
  await a.journals.append(info.id, { e: 'created', p: { n: 1 } });
  await a.journals.appendBatch(info.id, [{ e: 'paid' }, new TextEncoder().encode('raw bytes')]);

  const ac = new AbortController();
  const seen: TailItem[] = [];
  const following = (async () => {
    for await (const item of b.journals.follow(info.id, { signal: ac.signal })) {
      seen.push(item);
      if (item.type === 'event' && item.event.seq === 4) ac.abort();
    }
  })();
  await until(() => seen.length === 3, { what: 'the history on B' });
  const live = await a.journals.append(info.id, { e: 'shipped', p: { to: 'B' } });
  await following; // ended by the abort, without an error
  const events = seen.flatMap((i) => (i.type === 'event' ? [i.event] : []));
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4],
  );
  assert.deepEqual(JournalsApi.json(events[0]!.payload), { e: 'created', p: { n: 1 } });
  assert.equal(new TextDecoder().decode(events[2]!.payload), 'raw bytes');
  assert.deepEqual(events[3]!.hash, live.hash);
  assert.ok(b.journals.list().some((j) => j.id === info.id && j.head === 4));
});

test('read a range; a snapshot compacts and a read from 1 starts with it', async () => {
  const { id } = await a.journals.create('counter');
  for (let n = 1; n <= 5; n++) await a.journals.append(id, { e: 'add', p: n });
  const mid = await a.journals.read(id, { from: 2, to: 3 });
  assert.deepEqual(
    mid.events.map((e) => e.seq),
    [2, 3],
  );
  const snap = await a.journals.snapshot(id, { upTo: 3, state: JSON.stringify({ total: 6 }) });
  assert.equal(snap.upTo, 3);
  const all = await a.journals.read(id);
  assert.equal(all.snapshot?.upTo, 3);
  assert.deepEqual(
    all.events.map((e) => e.seq),
    [4, 5],
  );
  assert.equal((await a.journals.latestSnapshot(id))?.upTo, 3);
  assert.equal(a.journals.info(id).first, 4);
});

test('coded errors: an existing name, a journal of another writer, an unknown id, an aborted call', async () => {
  await a.journals.create('dup');
  await assert.rejects(a.journals.create('dup'), (err) => isMurmurError(err, 'MURMUR_JOURNAL_EXISTS'));
  await assert.rejects(
    b.journals.append(a.journals.idOf('dup'), { e: 'x' }),
    (err) => isMurmurError(err) && err.code.startsWith('MURMUR_JOURNAL_'),
  );
  assert.throws(
    () => a.journals.info(`${'00'.repeat(32)}/none`),
    (err) => isMurmurError(err, 'MURMUR_JOURNAL_NOT_FOUND'),
  );
  await assert.rejects(a.journals.create('late', { signal: AbortSignal.abort() }), (err) =>
    isMurmurError(err, 'MURMUR_ABORTED'),
  );
  const items: TailItem[] = [];
  for await (const i of a.journals.follow(a.journals.idOf('dup'), { signal: AbortSignal.abort() }))
    items.push(i);
  assert.deepEqual(items, []);
});
