/**
 * A node whose wall clock runs ahead of its peers' by more than the drift bound refuses its own tree
 * writes (MURMUR_TREE_CLOCK_AHEAD, http 503) instead of acknowledging writes every peer would refuse;
 * its peer with a right clock writes on; with equal clocks both write; alone, a fast node writes.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { type Clock, systemClock } from '../../src/clock/index.ts';
import { httpStatusOf, isMurmurError } from '../../src/errors/index.ts';
import { createNode, type MurmurNode, TreeService } from '../../src/index.ts';
import { checkClockAhead } from '../../src/tree/clock-ahead.ts';
import { addrOf, FAST, until } from '../helpers/cluster.ts';

type TreeNode = MurmurNode<{ tree: TreeService }>;
const TEN_MIN = 600_000;
const nodes: TreeNode[] = [];
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

async function treeNode(clock?: Clock): Promise<TreeNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    ...(clock !== undefined ? { clock } : {}),
    services: { tree: new TreeService({ announceDebounceMs: 50, antiEntropyMs: 1000, pushBatchMs: 2 }) },
  });
  await node.start();
  nodes.push(node);
  return node;
}

const ahead = (err: unknown): boolean =>
  isMurmurError(err) && err.code === 'MURMUR_TREE_CLOCK_AHEAD' && /600 s ahead/.test(err.message);

test('checkClockAhead: passes without an estimate or within the bound, refuses beyond it', () => {
  checkClockAhead(undefined, 60_000);
  checkClockAhead({ offsetMs: 60_000, peers: 1 }, 60_000);
  checkClockAhead({ offsetMs: -TEN_MIN, peers: 2 }, 60_000);
  assert.throws(() => checkClockAhead({ offsetMs: TEN_MIN, peers: 1 }, 60_000), ahead);
  let thrown: unknown;
  try {
    checkClockAhead({ offsetMs: TEN_MIN, peers: 3 }, 60_000);
  } catch (err) {
    thrown = err;
  }
  assert.equal(httpStatusOf(thrown), 503);
});

test('the node 10 minutes ahead has its put and grant refused; its peer puts', async () => {
  const fast = await treeNode(shifted(TEN_MIN));
  await fast.tree.put('/alone', 'a lone fast node trusts its own clock');
  const right = await treeNode();
  await fast.connect(addrOf(right));
  await until(() => fast.status().clockOffset !== undefined && right.status().clockOffset !== undefined, {
    what: 'both nodes estimate their clock offset',
  });
  await assert.rejects(fast.tree.put('/x', 'from the future'), ahead);
  await assert.rejects(fast.tree.del('/alone'), ahead);
  await assert.rejects(fast.tree.grant({ to: right.tree.publicKey, pattern: '/**' }), ahead);
  await right.tree.put('/y', 'on time');
  assert.equal(new TextDecoder().decode((await right.tree.get('/y'))?.value), 'on time');
});

test('with equal clocks both nodes put', async () => {
  const one = await treeNode();
  const two = await treeNode();
  await one.connect(addrOf(two));
  await until(() => one.status().clockOffset !== undefined && two.status().clockOffset !== undefined, {
    what: 'both nodes estimate their clock offset',
  });
  await one.tree.put('/a', '1');
  await two.tree.put('/b', '2');
});
