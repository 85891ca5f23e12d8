import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ClockOffsetEstimator, cautiousMedian, median } from '../../src/clock/index.ts';

const T = 1_800_000_000_000;
const MIN = 60_000;

describe('ClockOffsetEstimator', () => {
  it('has no estimate alone or below minPeers', () => {
    const e = new ClockOffsetEstimator({ minPeers: 2 });
    assert.equal(e.estimate(), undefined);
    assert.equal(e.aheadBeyond(MIN), 0);
    e.observe('a', T, T + 10 * MIN);
    assert.equal(e.estimate(), undefined);
    assert.equal(e.aheadBeyond(MIN), 0);
  });

  it('a clock 10 minutes ahead of its peers is ahead beyond a 60 s bound', () => {
    const e = new ClockOffsetEstimator();
    e.observe('a', T, T + 10 * MIN);
    e.observe('b', T + 5, T + 10 * MIN);
    const est = e.estimate();
    assert.equal(est?.peers, 2);
    assert.equal(est?.offsetMs, 10 * MIN - 5); // of two, the middle value nearer zero
    assert.ok(e.aheadBeyond(MIN) > 9 * MIN);
  });

  it('equal clocks and a clock behind are not ahead', () => {
    const e = new ClockOffsetEstimator();
    e.observe('a', T, T + 20);
    assert.equal(e.aheadBeyond(MIN), 0);
    e.observe('a', T + 10 * MIN, T);
    assert.equal(e.estimate()?.offsetMs, -10 * MIN);
    assert.equal(e.aheadBeyond(MIN), 0);
  });

  it('one peer with a wrong clock does not move the median of three', () => {
    const e = new ClockOffsetEstimator();
    e.observe('a', T, T);
    e.observe('b', T + 3, T);
    e.observe('wrong', T - 10 * MIN, T);
    assert.equal(e.estimate()?.offsetMs, 0);
    assert.equal(e.aheadBeyond(MIN), 0);
  });

  it('ignores implausible samples, forgets peers and drops old samples', () => {
    const e = new ClockOffsetEstimator({ maxAgeMs: MIN });
    assert.equal(e.observe('z', 0, T), false);
    assert.equal(e.observe('n', Number.NaN, T), false);
    assert.equal(e.observe('far', T - 365 * 24 * 3600_000, T), false);
    assert.equal(e.estimate(T), undefined);
    assert.equal(e.observe('a', T, T + 5 * MIN), true);
    assert.equal(e.estimate(T + 5 * MIN)?.peers, 1);
    assert.equal(e.estimate(T + 7 * MIN), undefined);
    e.forget('a');
    assert.equal(e.estimate(), undefined);
  });

  it('of two peers that disagree, the one agreeing with us wins (a refusal needs more than half)', () => {
    const e = new ClockOffsetEstimator();
    e.observe('even', T, T);
    e.observe('fast', T + 10 * MIN, T);
    assert.equal(e.estimate()?.offsetMs, 0);
    assert.equal(e.aheadBeyond(MIN), 0);
    assert.equal(cautiousMedian([-3, 10, 20, 40]), 10);
    assert.equal(cautiousMedian([-30, -10, 20, 40]), -10);
    assert.equal(cautiousMedian([5]), 5);
  });

  it('median matches a sort-based reference', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 30 }), (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        const n = s.length;
        const ref = n % 2 ? s[(n - 1) / 2] : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
        assert.equal(median(xs), ref);
      }),
    );
  });
});
