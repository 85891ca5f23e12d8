/**
 * Two nodes learn each other's wall clocks from the handshake Hello: with one clock set 10 minutes
 * ahead, each node's status shows its offset against the other (+10 min on the fast node, −10 min
 * on the other); with equal clocks the offset is near 0. Alone a node shows no estimate.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Clock, systemClock } from '../../src/clock/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { addrOf, startNode, until } from '../helpers/cluster.ts';

const TEN_MIN = 600_000;
const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

function shifted(byMs: number): Clock {
  return {
    now: () => systemClock.now() + byMs,
    monotonic: () => systemClock.monotonic(),
    setTimeout: (fn, ms, o) => systemClock.setTimeout(fn, ms, o),
    clearTimeout: (h) => systemClock.clearTimeout(h),
    setInterval: (fn, ms, o) => systemClock.setInterval(fn, ms, o),
    clearInterval: (h) => systemClock.clearInterval(h),
    sleep: (ms, o) => systemClock.sleep(ms, o),
    timeout: (ms) => systemClock.timeout(ms),
  };
}

test('a node 10 minutes ahead sees +10 min against its peer, the peer −10 min; equal clocks ≈ 0', async () => {
  const b = await startNode();
  nodes.push(b);
  assert.equal(b.status().clockOffset, undefined, 'alone: no estimate');
  const fast = await startNode({ clock: shifted(TEN_MIN) });
  const even = await startNode();
  nodes.push(fast, even);
  await fast.connect(addrOf(b));
  await even.connect(addrOf(b));
  await until(() => fast.status().clockOffset !== undefined, { what: 'the fast node estimates its offset' });
  const f = fast.status().clockOffset;
  assert.equal(f?.peers, 1);
  assert.ok(Math.abs((f?.offsetMs ?? 0) - TEN_MIN) < 10_000, `fast offset ${f?.offsetMs}`);
  await until(() => (b.status().clockOffset?.peers ?? 0) === 2, { what: 'b hears both clocks' });
  await until(() => even.status().clockOffset !== undefined, { what: 'the even node estimates its offset' });
  assert.ok(Math.abs(even.status().clockOffset?.offsetMs ?? Number.NaN) < 10_000, 'equal clocks: ≈ 0');
});
