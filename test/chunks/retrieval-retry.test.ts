import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { RETRIEVAL_ATTEMPTS, RETRIEVAL_RETRY_MS } from '../../src/chunks/retrieval/constants.ts';
import { Retrieval } from '../../src/chunks/retrieval/index.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { type Clock, systemClock, VirtualClock } from '../../src/clock/index.ts';
import type { ServiceContext, ServicePeer } from '../../src/service/context.ts';
import { type FrameChannel, memoryPair } from '../../src/streamer/channel.ts';
import { until } from '../helpers/cluster.ts';
import { randomChunk } from './helpers.ts';

type Handler = (ch: FrameChannel, peer: ServicePeer) => void | Promise<void>;

const overlayA = new Uint8Array(32).fill(1);
const overlayB = new Uint8Array(32).fill(2);
const peerA: ServicePeer = { peerId: 'A', overlay: overlayA, po: 0 };
const peerB: ServicePeer = { peerId: 'B', overlay: overlayB, po: 0 };

/** The part of ServiceContext retrieval uses: one peer, a dialer, a captured handler, the clock. */
function context(
  overlay: Uint8Array,
  peers: ServicePeer[],
  dial: () => Promise<FrameChannel>,
  onHandle: (h: Handler) => void = () => {},
  clock: Clock = systemClock,
): ServiceContext {
  return {
    overlay,
    clock,
    peers: () => peers,
    dial,
    strike: () => {},
    handle: async (_protocol: string, h: Handler) => onHandle(h),
  } as unknown as ServiceContext;
}

/** B serves from its store; A's n-th dial to B (1-based) loses A's request when `lose(n)`. */
async function pair(bHolds: boolean, lose: (n: number) => boolean, clock: Clock = systemClock) {
  const chunk = randomChunk();
  const storeB = new ChunkStore(new MemoryLevel(), { overlay: overlayB });
  if (bHolds) await storeB.put(chunk);
  let serve: Handler | undefined;
  const b = new Retrieval({
    ctx: context(
      overlayB,
      [peerA],
      () => Promise.reject(new Error('unused')),
      (h) => {
        serve = h;
      },
      clock,
    ),
    store: storeB,
  });
  await b.start();
  let dials = 0;
  let closed = 0;
  const dial = async (): Promise<FrameChannel> => {
    dials++;
    const [x, y] = memoryPair(lose(dials) ? { ab: { drop: () => true } } : {});
    void serve!(y, peerA);
    const close = x.close.bind(x);
    x.close = (err?: Error): void => {
      closed++;
      close(err);
    };
    return x;
  };
  const a = new Retrieval({
    ctx: context(overlayA, [peerB], dial, () => {}, clock),
    store: new ChunkStore(new MemoryLevel(), { overlay: overlayA }),
    timeoutMs: 200,
    hops: 1,
  });
  return { a, chunk, dials: () => dials, closed: () => closed };
}

test('retrieval: the only peer loses the first request in transit; it is asked again and the chunk arrives', async () => {
  const { a, chunk, dials } = await pair(true, (n) => n === 1);
  const got = await a.get(chunk.address);
  assert.deepEqual(got, chunk.data);
  assert.equal(dials(), 2);
});

test('retrieval: a peer failing in transit every time is given up after the attempts', async () => {
  const { a, chunk, dials } = await pair(true, () => true);
  assert.equal(await a.get(chunk.address), undefined);
  assert.equal(dials(), 3);
});

test('retrieval: a peer that answers not-found is not asked again', async () => {
  const { a, chunk, dials } = await pair(false, () => false);
  assert.equal(await a.get(chunk.address), undefined);
  assert.equal(dials(), 1);
});

test('retrieval on a virtual clock: each attempt times out and each pause ends exactly when the clock passes its delay, never before', async () => {
  const clock = new VirtualClock();
  const { a, chunk, dials } = await pair(true, () => true, clock); // every request lost in transit
  let result: Uint8Array | undefined | null = null;
  const run = a.get(chunk.address).then((r) => {
    result = r;
  });
  // attempt n (0-based) is dialled at `dialAt`, times out 200 ms later (timeoutMs × hops); the only
  // peer is then asked again after RETRIEVAL_RETRY_MS × n
  let dialAt = 0;
  for (let n = 1; n <= RETRIEVAL_ATTEMPTS; n++) {
    await until(() => dials() === n, { what: `dial ${n}`, everyMs: 1 });
    assert.equal(clock.now(), dialAt);
    assert.equal(clock.nextAt(), dialAt + 200, 'the attempt timeout is the next timer');
    await clock.tickAsync(199);
    assert.equal(dials(), n, 'no retry before the timeout');
    assert.equal(result, null, 'still waiting before the timeout');
    clock.advance(1); // the timeout fires
    if (n === RETRIEVAL_ATTEMPTS) break;
    const pause = RETRIEVAL_RETRY_MS * n;
    await until(() => clock.nextAt() === dialAt + 200 + pause, { what: `pause ${n} armed`, everyMs: 1 });
    await clock.tickAsync(pause - 1);
    assert.equal(dials(), n, 'no retry before the pause ends');
    clock.advance(1); // the pause ends: the peer is dialled again
    dialAt += 200 + pause;
  }
  await run;
  assert.equal(result, undefined, 'given up after the attempts');
  assert.equal(dials(), RETRIEVAL_ATTEMPTS);
  assert.equal(clock.now(), dialAt + 200, 'ended on the last timeout, in virtual time');
});

test('retrieval: callers sharing a request stop waiting on their own abort; the last abort ends the attempt in flight', async () => {
  const clock = new VirtualClock(); // the attempt's timeout never fires: only an abort ends it
  const { a, chunk, dials, closed } = await pair(true, () => true, clock);
  const one = new AbortController();
  const two = new AbortController();
  const first = a.get(chunk.address, { signal: one.signal });
  const second = a.get(chunk.address, { signal: two.signal });
  await until(() => dials() === 1, { what: 'the shared attempt', everyMs: 1 });
  one.abort(); // e.g. a download stopped with Ctrl-C while another one needs the same chunk
  await assert.rejects(first, (err: Error & { code?: string }) => err.code === 'MURMUR_ABORTED');
  assert.equal(closed(), 0, 'the other caller still waits on the attempt');
  two.abort();
  await assert.rejects(second, (err: Error & { code?: string }) => err.code === 'MURMUR_ABORTED');
  await until(() => closed() > 0, { what: 'the attempt aborted', everyMs: 1 });
  assert.equal(dials(), 1, 'no further attempt after the last caller left');
});
