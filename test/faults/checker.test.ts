/**
 * The fault checker's model of a key (test/faults/checker.ts judgeKey) and the schedule: the cases it
 * must flag (an acknowledged write lost, an older value back, an entry under a revoked grant still
 * visible, a value nobody wrote) and those it must accept (the newest acknowledged write, a newer write
 * whose outcome was unknown, an unknown delete); a seed gives the same schedule every time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeKey, realTimeProblem } from './checker.ts';
import { makeSchedule } from './schedule.ts';
import type { Op } from './workload.ts';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
let id = 0;
function put(value: string, ts: number, o: Partial<Op> = {}): Op {
  const signer = o.signer ?? A;
  return {
    id: id++,
    kind: 'kv-put',
    node: 0,
    start: ts / 1024,
    end: ts / 1024,
    outcome: 'ok',
    key: '/k',
    value,
    signer,
    entry: { timestamp: ts, signer, grants: o.entry?.grants ?? [], deleted: false },
    ...o,
  };
}
const view = (op: Op, grants: string[] = []) => ({
  key: '/k',
  value: op.value ?? null,
  timestamp: op.entry?.timestamp ?? op.start * 1024 + 1,
  signer: op.signer!,
  grants,
});
const judge = (
  expected: Op | undefined,
  actual: ReturnType<typeof view> | undefined,
  mine: Op[],
  revoked: string[] = [],
) => judgeKey('/k', expected, actual, mine, new Map(mine.map((o) => [o.value!, o])), new Set(revoked));

test('the newest acknowledged write visible is right; an older one or nothing is a lost write', () => {
  const w1 = put('v1', 1000 * 1024);
  const w2 = put('v2', 2000 * 1024);
  assert.equal(judge(w2, view(w2), [w1, w2]), undefined);
  assert.deepEqual(judge(w2, view(w1), [w1, w2])?.lost, true);
  assert.deepEqual(judge(w2, undefined, [w1, w2])?.lost, true);
});

test('a newer write of unknown outcome may be what is visible; an unknown delete may hide the value', () => {
  const w1 = put('v1', 1000 * 1024);
  const u = { ...put('u', 3000 * 1024), outcome: 'unknown' as const, entry: undefined };
  assert.equal(judge(w1, { ...view(w1), value: 'u', timestamp: 3000 * 1024 }, [w1, u]), undefined);
  const del: Op = {
    ...put('x', 0),
    kind: 'kv-del',
    value: undefined,
    outcome: 'unknown',
    entry: undefined,
    end: 5000,
  };
  assert.equal(judge(w1, undefined, [w1, del]), undefined);
  // an unknown write older than the acknowledged one does not excuse it
  const old = { ...put('o', 500 * 1024), outcome: 'unknown' as const, entry: undefined };
  assert.equal(judge(w1, { ...view(w1), value: 'o', timestamp: 500 * 1024 }, [w1, old])?.lost, true);
});

test('an acknowledged delete expects nothing; equal timestamps are ordered by signer', () => {
  const w1 = put('v1', 1000 * 1024);
  const d: Op = { ...put('d', 2000 * 1024), kind: 'kv-del', value: undefined };
  d.entry!.deleted = true;
  assert.equal(judge(d, undefined, [w1, d]), undefined);
  assert.ok(judge(d, view(w1), [w1, d]));
  const wb = put('vb', 1000 * 1024, { signer: B });
  assert.equal(judge(wb, view(wb), [w1, wb]), undefined);
  assert.ok(judge(wb, view(w1), [w1, wb]));
});

test('an entry under a revoked grant still visible, or a value never written, is a disagreement', () => {
  const g = 'cc'.repeat(32);
  const w1 = put('v1', 1000 * 1024, {
    entry: { timestamp: 1000 * 1024, signer: A, grants: [g], deleted: false },
  });
  assert.match(judge(undefined, view(w1, [g]), [w1], [g])!.detail, /revoked/);
  assert.match(judge(undefined, { ...view(w1), value: 'nobody' }, [w1])!.detail, /never written/);
});

test('a seed gives the same schedule, another seed another one', () => {
  const o = { seed: 5, nodes: 6, durationMs: 60_000, kinds: ['kill', 'stop', 'partition', 'loss'] as const };
  assert.deepEqual(makeSchedule(o), makeSchedule(o));
  assert.notDeepEqual(makeSchedule(o), makeSchedule({ ...o, seed: 6 }));
  for (const f of makeSchedule(o)) {
    assert.ok(f.nodes.length > 0 && f.nodes.every((n) => n >= 0 && n < 6));
    if (f.kind === 'loss') assert.ok(f.amount! >= 20 && f.amount! <= 30);
  }
});

test('the write acknowledged last in real time must be the newest; a clock behind hides it', () => {
  const w1 = put('v1', 5000 * 1024, { start: 1000, end: 1010 });
  const w2 = put('v2', 6000 * 1024, { start: 2000, end: 2010 });
  assert.equal(realTimeProblem('/k', [w1, w2], w2), undefined);
  // written later, but stamped by a clock ten minutes behind
  const slow = put('v3', 4000 * 1024, { start: 3000, end: 3010 });
  assert.match(realTimeProblem('/k', [w1, w2, slow], w2)!, /hides it/);
  // concurrent writes may be ordered either way
  const conc = put('v4', 4000 * 1024, { start: 2005, end: 2100 });
  assert.equal(realTimeProblem('/k', [w1, w2, conc], w2), undefined);
});
