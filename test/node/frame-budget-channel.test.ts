import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamPair } from '@libp2p/utils';
import fc from 'fast-check';
import { VirtualClock } from '../../src/clock/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { FrameBudget } from '../../src/node/frame-budget.ts';
import { StreamChannel } from '../../src/node/stream-channel.ts';
import { encodeVarint } from '../../src/p2p/framing.ts';
import { until } from '../helpers/cluster.ts';

const MAX = 1 << 20;

async function pair(budget: FrameBudget, peer: string, clock: VirtualClock, stallMs = 1_000) {
  const [x, y] = await streamPair();
  const violations: string[] = [];
  const channel = new StreamChannel(y, {
    clock,
    maxBytes: MAX,
    idleTimeoutMs: 60_000,
    stallTimeoutMs: stallMs,
    budget: budget.forPeer(peer),
    onViolation: (kind) => violations.push(kind),
  });
  return { raw: x, channel, violations, it: channel[Symbol.asyncIterator]() };
}

/** The code the next read fails with (undefined if it yields a frame or ends). */
async function failure(it: AsyncIterator<Uint8Array>): Promise<string | undefined> {
  try {
    await it.next();
    return undefined;
  } catch (err) {
    return isMurmurError(err) ? err.code : String(err);
  }
}

const frame = (length: number, sent = length): Uint8Array => {
  const p = encodeVarint(length);
  const out = new Uint8Array(p.byteLength + sent);
  out.set(p);
  return out;
};

test('a frame stalled mid-body is reset after the stall deadline on the clock, struck, and released', async () => {
  const clock = new VirtualClock();
  const budget = new FrameBudget();
  const { raw, it, violations } = await pair(budget, 'p', clock);
  raw.send(frame(1000, 10));
  const read = failure(it);
  await until(() => budget.heldBy('p') === 1000, { what: 'the announced length reserved' });
  clock.advance(999);
  await new Promise((r) => setImmediate(r));
  assert.equal(budget.heldBy('p'), 1000, 'not before the deadline');
  clock.advance(1);
  assert.equal(await read, 'MURMUR_FRAME_STALLED');
  assert.deepEqual(violations, ['protocol']);
  assert.equal(budget.held, 0);
});

test('between frames the idle timeout applies, not the stall deadline; whole frames hold nothing', async () => {
  const clock = new VirtualClock();
  const budget = new FrameBudget();
  const { raw, it, violations } = await pair(budget, 'p', clock);
  raw.send(frame(500));
  assert.equal((await it.next()).value?.byteLength, 500);
  assert.equal(budget.held, 0);
  const read = failure(it);
  await new Promise((r) => setImmediate(r));
  clock.advance(5_000);
  await new Promise((r) => setImmediate(r));
  clock.advance(55_000);
  assert.equal(await read, 'MURMUR_TIMEOUT');
  assert.deepEqual(violations, []);
});

test("over the peer's budget: that stream is reset and struck once for a burst; the others carry on", async () => {
  const clock = new VirtualClock();
  const budget = new FrameBudget({ peerBytes: 1_000, nodeBytes: 10_000 });
  const a = await pair(budget, 'p', clock, 60_000);
  a.raw.send(frame(600, 1));
  const aRead = a.it.next();
  await until(() => budget.heldBy('p') === 600, { what: 'first reservation' });
  const b = await pair(budget, 'p', clock, 60_000);
  b.raw.send(frame(600, 1));
  assert.equal(await failure(b.it), 'MURMUR_FRAME_BUDGET');
  assert.deepEqual(b.violations, ['flood']);
  const c = await pair(budget, 'p', clock, 60_000);
  c.raw.send(frame(700, 1));
  assert.equal(await failure(c.it), 'MURMUR_FRAME_BUDGET');
  assert.deepEqual(c.violations, [], 'the same incident is struck once');
  // another peer has a share of its own
  const other = await pair(budget, 'q', clock, 60_000);
  other.raw.send(frame(900, 1));
  const otherRead = other.it.next();
  await until(() => budget.heldBy('q') === 900, { what: "the other peer's reservation" });
  // the first stream completes its frame: released
  a.raw.send(new Uint8Array(599));
  assert.equal((await aRead).value?.byteLength, 600);
  assert.equal(budget.heldBy('p'), 0);
  other.raw.send(new Uint8Array(899));
  assert.equal((await otherRead).value?.byteLength, 900);
  assert.equal(budget.held, 0);
});

test("over the node's budget: the stream is reset, never struck", async () => {
  const clock = new VirtualClock();
  const budget = new FrameBudget({ peerBytes: 1_000, nodeBytes: 1_000 });
  const a = await pair(budget, 'p', clock, 60_000);
  a.raw.send(frame(800, 1));
  void a.it.next().catch(() => {});
  await until(() => budget.held === 800, { what: 'first reservation' });
  const b = await pair(budget, 'q', clock, 60_000);
  b.raw.send(frame(300, 1));
  assert.equal(await failure(b.it), 'MURMUR_FRAME_NODE_BUSY');
  assert.deepEqual(b.violations, []);
  a.raw.abort(new Error('gone'));
  await until(() => budget.held === 0, { what: 'a reset stream releases its reservation' });
});

test('property: frames split anywhere arrive whole and the budget returns to zero', async () => {
  const runs = process.env.MURMUR_LONG === '1' ? 2_000 : 25;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 8 }),
      async (lengths, cuts) => {
        const clock = new VirtualClock();
        const budget = new FrameBudget({ peerBytes: 80_000, nodeBytes: 80_000 });
        const { raw, it } = await pair(budget, 'p', clock, 60_000);
        const parts = lengths.map((n) => {
          const f = frame(n);
          f.fill(n & 0xff, f.byteLength - n);
          return f;
        });
        const all = Buffer.concat(parts);
        let at = 0;
        let k = 0;
        while (at < all.byteLength) {
          const n = cuts[k++ % cuts.length]!;
          raw.send(all.subarray(at, at + n));
          at += n;
        }
        await raw.close();
        for (const n of lengths) {
          const r = await it.next();
          assert.equal(r.value?.byteLength, n);
          assert.ok(budget.held <= 80_000);
        }
        assert.equal((await it.next()).done, true);
        assert.equal(budget.held, 0);
      },
    ),
    { numRuns: runs },
  );
});
