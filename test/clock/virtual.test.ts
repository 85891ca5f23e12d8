import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { systemClock, VirtualClock } from '../../src/clock/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';

describe('VirtualClock', () => {
  it('runs timers in due order, then in scheduling order, and skips cancelled ones', () => {
    const clock = new VirtualClock(1000);
    const order: string[] = [];
    clock.setTimeout(() => order.push('c@30'), 30);
    const gone = clock.setTimeout(() => order.push('never'), 20);
    clock.setTimeout(() => order.push('a@10'), 10);
    clock.setTimeout(() => order.push('d@30'), 30);
    clock.setTimeout(() => order.push('z@0'), -5);
    clock.clearTimeout(gone);
    clock.clearTimeout(gone); // twice: ignored
    clock.clearTimeout(undefined);
    assert.equal(clock.pending, 4);
    clock.advance(29);
    assert.deepEqual(order, ['z@0', 'a@10']);
    assert.equal(clock.now(), 1029);
    clock.advance(1);
    assert.deepEqual(order, ['z@0', 'a@10', 'c@30', 'd@30']);
    assert.equal(clock.pending, 0);
    assert.equal(clock.step(), false);
    assert.equal(clock.monotonic(), clock.now());
  });

  it('a timer scheduled by a running timer runs in the same advance when due', () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.now());
      clock.setTimeout(() => at.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    assert.deepEqual(at, [5, 10]);
  });

  it('intervals repeat every period until cleared, also from inside their callback', () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    const h = clock.setInterval(() => {
      at.push(clock.now());
      if (at.length === 4) clock.clearInterval(h);
    }, 25);
    assert.equal(clock.pending, 1);
    clock.advance(60);
    assert.deepEqual(at, [25, 50]);
    clock.advance(1000);
    assert.deepEqual(at, [25, 50, 75, 100]);
    assert.equal(clock.pending, 0);
    const other = clock.setInterval(() => at.push(-1), 0); // period at least 1
    clock.advance(3);
    clock.clearTimeout(other);
    clock.advance(10);
    assert.deepEqual(at.slice(4), [-1, -1, -1]);
  });

  it('sleep resolves on virtual time; abort rejects with MURMUR_ABORTED and cancels the timer', async () => {
    const clock = new VirtualClock();
    let done = false;
    const p = clock.sleep(100).then(() => {
      done = true;
    });
    await clock.tickAsync(99);
    assert.equal(done, false);
    await clock.tickAsync(1);
    await p;
    assert.equal(done, true);

    const ac = new AbortController();
    const q = clock.sleep(100, { signal: ac.signal });
    assert.equal(clock.pending, 1);
    ac.abort(new Error('stop'));
    await assert.rejects(
      q,
      (err) => isMurmurError(err, 'MURMUR_ABORTED') && (err.cause as Error).message === 'stop',
    );
    assert.equal(clock.pending, 0);
    await assert.rejects(clock.sleep(1, { signal: ac.signal }), (err) =>
      isMurmurError(err, 'MURMUR_ABORTED'),
    );
  });

  it('timeout() fires on virtual time with a TimeoutError reason', () => {
    const clock = new VirtualClock();
    const signal = clock.timeout(50);
    clock.advance(49);
    assert.equal(signal.aborted, false);
    clock.advance(1);
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as DOMException).name, 'TimeoutError');
  });

  it('tickAsync lets async code chain timers within the window', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(10);
        seen.push(clock.now());
      }
    })();
    await clock.tickAsync(35);
    assert.deepEqual(seen, [10, 20, 30]);
    assert.equal(clock.now(), 35);
    await clock.tickAsync(100);
    assert.deepEqual(seen, [10, 20, 30, 40, 50]);
  });

  it('runWhile stops when the condition turns false or the limit is passed', () => {
    const clock = new VirtualClock();
    let n = 0;
    clock.setInterval(() => n++, 10);
    assert.equal(
      clock.runWhile(() => n < 3),
      true,
    );
    assert.equal(clock.now(), 30);
    assert.equal(
      clock.runWhile(() => true, 55),
      false,
    );
    assert.equal(n, 5);
  });

  it('property: timers run in (due time, scheduling order), cancelled ones never', () => {
    const op = fc.record({
      delay: fc.integer({ min: -5, max: 200 }),
      cancel: fc.boolean(),
      advance: fc.nat(60),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const clock = new VirtualClock();
        const ran: { due: number; seq: number }[] = [];
        const expected: { due: number; seq: number }[] = [];
        ops.forEach((o, seq) => {
          const due = clock.now() + Math.max(0, o.delay);
          const h = clock.setTimeout(() => {
            assert.equal(clock.now(), due);
            ran.push({ due, seq });
          }, o.delay);
          if (o.cancel) clock.clearTimeout(h);
          else expected.push({ due, seq });
          clock.advance(o.advance);
        });
        clock.runUntil(Number.MAX_SAFE_INTEGER);
        // a timer is never due before the time it was scheduled at, so the run order is exactly the
        // order of (due time, scheduling order) over every timer not cancelled
        expected.sort((a, b) => a.due - b.due || a.seq - b.seq);
        assert.deepEqual(ran, expected);
        assert.equal(clock.pending, 0);
      }),
    );
  });
});

describe('systemClock', () => {
  it('keeps wall and monotonic time, runs and cancels timers, sleeps and aborts', async () => {
    const t0 = systemClock.monotonic();
    assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000);
    const fired = await new Promise<boolean>((resolve) => {
      const never = systemClock.setTimeout(() => resolve(false), 1);
      systemClock.clearTimeout(never);
      systemClock.setTimeout(() => resolve(true), 2, { ref: true });
    });
    assert.equal(fired, true);
    let n = 0;
    await new Promise<void>((resolve) => {
      const h = systemClock.setInterval(
        () => {
          if (++n === 3) {
            systemClock.clearInterval(h);
            resolve();
          }
        },
        1,
        { ref: true },
      );
    });
    assert.equal(n, 3);
    await systemClock.sleep(1);
    const ac = new AbortController();
    const p = systemClock.sleep(60_000, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (err) => isMurmurError(err, 'MURMUR_ABORTED'));
    const signal = systemClock.timeout(1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    assert.equal((signal.reason as DOMException).name, 'TimeoutError');
    assert.ok(systemClock.monotonic() >= t0);
  });
});
