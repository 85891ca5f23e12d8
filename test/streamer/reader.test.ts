import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMurmurError } from '../../src/errors/index.ts';
import { FrameReader, memoryPair } from '../../src/streamer/channel.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('FrameReader: frames in order, then MURMUR_STREAMER_CLOSED at the end', async () => {
  const [a, b] = memoryPair();
  const r = new FrameReader(b);
  await a.send(new Uint8Array([1]));
  await a.send(new Uint8Array([2]));
  a.close();
  assert.deepEqual([...(await r.next({ timeoutMs: 1000 }))], [1]);
  assert.deepEqual([...(await r.next())], [2]);
  await assert.rejects(r.next({ timeoutMs: 1000 }), (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'));
});

test('FrameReader: a timeout while waiting closes the channel and sticks', async () => {
  const [a, b] = memoryPair();
  const r = new FrameReader(b);
  await assert.rejects(r.next({ timeoutMs: 30 }), (e) => isMurmurError(e, 'MURMUR_TIMEOUT'));
  // the channel is closed: the sender sees it, and every later read fails the same way
  await assert.rejects(a.send(new Uint8Array([1])), (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'));
  await assert.rejects(r.next(), (e) => isMurmurError(e, 'MURMUR_TIMEOUT'));
});

test('FrameReader: time spent between calls never counts against the next call', async () => {
  const [a, b] = memoryPair();
  const r = new FrameReader(b);
  for (let i = 0; i < 3; i++) {
    await a.send(new Uint8Array([i]));
    assert.deepEqual([...(await r.next({ timeoutMs: 40 }))], [i]);
    await sleep(100); // longer than the timeout, with no call waiting
  }
  setTimeout(() => void a.send(new Uint8Array([9])), 10);
  assert.deepEqual([...(await r.next({ timeoutMs: 1000 }))], [9]);
  // a different timeout per call is honoured
  await assert.rejects(r.next({ timeoutMs: 20 }), (e) => isMurmurError(e, 'MURMUR_TIMEOUT'));
});

test('FrameReader: an abort while waiting rejects with MURMUR_ABORTED; an aborted signal fails at once', async () => {
  const [, b] = memoryPair();
  const r = new FrameReader(b);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('stop')), 20);
  await assert.rejects(r.next({ signal: ac.signal, timeoutMs: 10_000 }), (e) =>
    isMurmurError(e, 'MURMUR_ABORTED'),
  );
  const [, d] = memoryPair();
  await assert.rejects(new FrameReader(d).next({ signal: AbortSignal.abort() }), (e) =>
    isMurmurError(e, 'MURMUR_ABORTED'),
  );
});
