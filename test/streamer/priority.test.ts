import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMurmurError } from '../../src/errors/index.ts';
import { FrameReader, memoryPair } from '../../src/streamer/channel.ts';
import { PRIORITY } from '../../src/streamer/constants.ts';
import { PriorityQueue } from '../../src/streamer/priority.ts';

test('the highest non-empty queue is always served first', async () => {
  const q = new PriorityQueue<string>({ capacity: 10 });
  q.tryEnqueue('h1', PRIORITY.history);
  q.tryEnqueue('l1', PRIORITY.live);
  q.tryEnqueue('h2', PRIORITY.history);
  q.tryEnqueue('r1', PRIORITY.retrieval);
  q.tryEnqueue('l2', PRIORITY.live);
  const order: string[] = [];
  order.push((await q.dequeue()).item, (await q.dequeue()).item);
  q.tryEnqueue('r2', PRIORITY.retrieval);
  while (q.size() > 0) order.push((await q.dequeue()).item);
  assert.deepEqual(order, ['r1', 'l1', 'r2', 'l2', 'h1', 'h2']);
});

test('a full level applies back-pressure until a consumer makes room', async () => {
  const q = new PriorityQueue<number>({ capacity: 2 });
  assert.ok(q.tryEnqueue(1, 2));
  assert.ok(q.tryEnqueue(2, 2));
  assert.equal(q.tryEnqueue(3, 2), false);
  assert.ok(q.tryEnqueue(9, 0), 'other levels have their own capacity');
  let done = false;
  const p = q.enqueue(3, 2).then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  assert.equal(q.size(2), 2);
  assert.equal((await q.dequeue()).item, 9);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'room at another level does not release this one');
  assert.equal((await q.dequeue()).item, 1);
  await p;
  assert.equal(done, true);
  assert.deepEqual([(await q.dequeue()).item, (await q.dequeue()).item], [2, 3]);
});

test('a consumer waits for an item; abort and close wake waiters with stable codes', async () => {
  const q = new PriorityQueue<number>({ capacity: 1 });
  const got = q.dequeue();
  q.tryEnqueue(7, 1);
  assert.deepEqual(await got, { item: 7, level: 1 });
  const ac = new AbortController();
  const waiting = q.dequeue({ signal: ac.signal });
  ac.abort();
  await assert.rejects(waiting, (e) => isMurmurError(e, 'MURMUR_ABORTED'));
  q.tryEnqueue(1, 0);
  const blocked = q.enqueue(2, 0);
  const idle = new PriorityQueue<number>();
  const idleWait = idle.dequeue();
  q.close();
  idle.close();
  await assert.rejects(blocked, (e) => isMurmurError(e, 'MURMUR_STREAMER_QUEUE_CLOSED'));
  await assert.rejects(idleWait, (e) => isMurmurError(e, 'MURMUR_STREAMER_QUEUE_CLOSED'));
  assert.equal((await q.dequeue()).item, 1, 'items queued before close are drained');
  await assert.rejects(q.dequeue(), (e) => isMurmurError(e, 'MURMUR_STREAMER_QUEUE_CLOSED'));
  assert.throws(
    () => q.tryEnqueue(1, 5),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
});

test('a long FIFO stays in order across internal compaction', async () => {
  const q = new PriorityQueue<number>({ capacity: 5000 });
  for (let i = 0; i < 5000; i++) q.tryEnqueue(i, 2);
  for (let i = 0; i < 3000; i++) assert.equal(q.tryDequeue()?.item, i);
  for (let i = 5000; i < 8000; i++) q.tryEnqueue(i, 2);
  for (let i = 3000; i < 8000; i++) assert.equal(q.tryDequeue()?.item, i);
  assert.equal(q.tryDequeue(), undefined);
});

test('memory channel: frames in order, faults applied, close ends the remote after in-flight frames', async () => {
  const [a, b] = memoryPair({
    ab: { drop: (_f, n) => n === 1, corrupt: (f, n) => (n === 2 ? f.map((x) => x ^ 0xff) : f), delayMs: 2 },
  });
  await a.send(Uint8Array.of(1));
  await a.send(Uint8Array.of(2));
  await a.send(Uint8Array.of(3));
  a.close();
  const got: number[] = [];
  for await (const f of b) got.push(f[0]!);
  assert.deepEqual(got, [1, 0xfc]);
  await assert.rejects(b.send(Uint8Array.of(1)), (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'));
});

test('frame reader: timeout and abort close the channel', async () => {
  const [a, b] = memoryPair();
  const r = new FrameReader(b);
  await a.send(Uint8Array.of(5));
  assert.deepEqual(await r.next({ timeoutMs: 1000 }), Uint8Array.of(5));
  await assert.rejects(r.next({ timeoutMs: 5 }), (e) => isMurmurError(e, 'MURMUR_TIMEOUT'));
  const [c, d] = memoryPair({ ab: { closeAfter: 1 } });
  const r2 = new FrameReader(d);
  await c.send(Uint8Array.of(1));
  await assert.rejects(c.send(Uint8Array.of(2)), (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'));
  assert.deepEqual(await r2.next(), Uint8Array.of(1));
  await assert.rejects(r2.next(), (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'));
  const [, f] = memoryPair();
  const ac = new AbortController();
  const pending = new FrameReader(f).next({ signal: ac.signal });
  ac.abort();
  await assert.rejects(pending, (e) => isMurmurError(e, 'MURMUR_ABORTED'));
});
