/**
 * The tree runs on the clock it is given: its HLC's physical time, the anti-entropy timer, the
 * subscriptions' cull timer and the sync deadline all follow a VirtualClock, so they happen exactly
 * when it is advanced past their delay (no real waiting).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { Registry } from 'prom-client';
import { VirtualClock } from '../../src/clock/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { ServiceContext, ServicePeer } from '../../src/service/context.ts';
import { currentProtocolId } from '../../src/service/protocols.ts';
import type { FrameChannel } from '../../src/streamer/channel.ts';
import { HlcClock, hlcWall, packHlc } from '../../src/tree/hlc.ts';
import { generateSigner } from '../../src/tree/keys.ts';
import { ANNOUNCE_PROTOCOL, SYNC_PROTOCOL } from '../../src/tree/net/constants.ts';
import { TreeService } from '../../src/tree/service.ts';
import { enc, openTree } from './helpers.ts';

const START = Date.UTC(2030, 0, 1);

/** A channel that accepts frames and yields none. */
const sink = (): FrameChannel => ({
  send: async () => {},
  close: () => {},
  [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
});

/**
 * A ServiceContext on `clock` with one active peer: announce dials get a sink channel, sync dials
 * hang until their signal fires (so the sync deadline is the only way out). Dials are recorded with
 * the virtual time they were made at.
 */
function contextOn(clock: VirtualClock): { ctx: ServiceContext; dials: { protocol: string; at: number }[] } {
  const peer: ServicePeer = { peerId: 'peer-b', overlay: new Uint8Array(32), po: 0 };
  const dials: { protocol: string; at: number }[] = [];
  const ctx: ServiceContext = {
    peerId: 'peer-a',
    overlay: new Uint8Array(32),
    networkId: 'test',
    logger: silentLogger,
    clock,
    metrics: new Registry(),
    store: new MemoryLevel<string | Uint8Array, string | Uint8Array>() as never,
    lan: undefined,
    handle: async () => {},
    dial: (_peerId, protocol, options = {}) => {
      dials.push({ protocol: currentProtocolId(protocol), at: clock.now() });
      if (protocol !== SYNC_PROTOCOL) return Promise.resolve(sink());
      return new Promise((_resolve, reject) => {
        const signal = options.signal;
        if (signal === undefined) return;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
    strike: () => {},
    peers: () => [peer],
    depth: () => 0,
    on: () => () => {},
    off: () => {},
  };
  return { ctx, dials };
}

const count = (dials: { protocol: string }[], protocol: string): number =>
  dials.filter((d) => d.protocol === protocol).length;

test('the HLC takes its physical time from the clock it is given', () => {
  const clock = new VirtualClock(START);
  const hlc = new HlcClock({ clock, maxDriftMs: 1000 });
  assert.equal(hlcWall(hlc.tick()), START);
  clock.advance(5000);
  const t = hlc.tick();
  assert.equal(hlcWall(t), START + 5000);
  assert.equal(t % 1024, 0, 'a fresh millisecond starts the logical counter at 0');
  // the drift bound is measured from the clock's time too
  const ahead = packHlc(START + 5000 + 1500, 0);
  assert.throws(() => hlc.check(ahead), { code: 'MURMUR_TREE_CLOCK_SKEW' });
  clock.advance(500);
  hlc.check(ahead);
});

test("a tree service's writes are stamped with ctx.clock's time", async () => {
  const clock = new VirtualClock(START);
  const { ctx } = contextOn(clock);
  const svc = new TreeService({ antiEntropyMs: 60_000 });
  await svc.start(ctx);
  try {
    clock.advance(42_000);
    const entry = await svc.tree(svc.defaultTree).put('/k', enc('v'));
    assert.equal(hlcWall(entry.timestamp), START + 42_000);
  } finally {
    await svc.stop();
  }
});

test('anti-entropy re-announces exactly every antiEntropyMs of the clock, not before', async () => {
  const clock = new VirtualClock(START);
  const { ctx, dials } = contextOn(clock);
  const svc = new TreeService({ antiEntropyMs: 10_000 });
  await svc.start(ctx);
  try {
    assert.equal(count(dials, ANNOUNCE_PROTOCOL), 1, 'announced to the active peer at start');
    clock.advance(9_999);
    assert.equal(count(dials, ANNOUNCE_PROTOCOL), 1, 'not before the period');
    clock.advance(1);
    assert.equal(count(dials, ANNOUNCE_PROTOCOL), 2, 'at the period');
    assert.equal(dials.at(-1)!.at, START + 10_000);
    clock.advance(10_000);
    assert.equal(count(dials, ANNOUNCE_PROTOCOL), 3);
  } finally {
    await svc.stop();
  }
  clock.advance(60_000);
  assert.equal(count(dials, ANNOUNCE_PROTOCOL), 3, 'no timer left after stop');
  assert.equal(clock.pending, 0);
});

test('a sync session ends at syncTimeoutMs of the clock', async () => {
  const clock = new VirtualClock(START);
  const { ctx } = contextOn(clock);
  const svc = new TreeService({ antiEntropyMs: 600_000, syncTimeoutMs: 5_000 });
  await svc.start(ctx);
  try {
    let result: unknown = 'pending';
    const done = svc.sync('peer-b', svc.defaultTree).then((r) => {
      result = r;
    });
    await clock.tickAsync(4_999);
    assert.equal(result, 'pending', 'still waiting before the deadline');
    assert.equal(svc.stats.syncFailures, 0);
    await clock.tickAsync(1);
    assert.equal(result, null, 'the deadline ended the session');
    await done;
    assert.equal(svc.stats.syncFailures, 1);
  } finally {
    await svc.stop();
  }
});

test("a subscription's interest is culled when the clock passes the cull delay", async () => {
  const clock = new VirtualClock(START);
  const root = generateSigner();
  const tree = await openTree(root, root, { timers: clock, cullDelayMs: 2_000 });
  const sub = await tree.subscribe('/k');
  sub.unsubscribe();
  clock.advance(1_999);
  assert.deepEqual(tree.subscriptions.keys(), ['/k'], 'kept within the delay');
  clock.advance(1);
  assert.deepEqual(tree.subscriptions.keys(), [], 'culled at the delay');
  // a re-subscribe within the delay keeps the interest
  const again = await tree.subscribe('/k');
  again.unsubscribe();
  clock.advance(1_000);
  const third = await tree.subscribe('/k');
  clock.advance(5_000);
  assert.deepEqual(tree.subscriptions.keys(), ['/k']);
  third.unsubscribe();
  tree.close();
  assert.equal(clock.pending, 0, 'close clears the cull timer');
});
