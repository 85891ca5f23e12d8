import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, SimNetwork, VirtualClock } from '../../src/sim/index.ts';

describe('VirtualClock', () => {
  it('runs timers in due order, only when time advances, and honours clearTimeout', () => {
    const clock = new VirtualClock(100);
    const order: string[] = [];
    clock.setTimeout(() => order.push('b@30'), 30);
    const c = clock.setTimeout(() => order.push('never'), 20);
    clock.setTimeout(() => order.push('a@10'), 10);
    clock.setTimeout(() => order.push('b2@30'), 30);
    clock.clearTimeout(c);
    assert.deepEqual(order, []);
    clock.advance(29);
    assert.deepEqual(order, ['a@10']);
    assert.equal(clock.now(), 129);
    clock.advance(1);
    assert.deepEqual(order, ['a@10', 'b@30', 'b2@30']);
    assert.equal(clock.pending, 0);
    assert.equal(clock.step(), false);
  });

  it('timers set by timers run in the same advance when due', () => {
    const clock = new VirtualClock();
    let n = 0;
    const tick = () => {
      n++;
      clock.setTimeout(tick, 5);
    };
    clock.setTimeout(tick, 5);
    clock.advance(50);
    assert.equal(n, 10);
  });
});

describe('Rng', () => {
  it('is deterministic per seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b.next()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(xs[0], new Rng(43).next());
    assert.deepEqual(new Rng(1).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  });
});

describe('SimNetwork', () => {
  it('delivers per protocol after latency, counts messages and bytes', () => {
    const net = new SimNetwork({ latencyMs: 20, jitterMs: 0 });
    const got: string[] = [];
    net.handle('b', 'echo', (from, p) => got.push(`${from}:${Buffer.from(p).toString()}`));
    net.addNode('a');
    assert.equal(net.send('a', 'b', 'echo', Buffer.from('hi')), true);
    net.send('a', 'b', 'other', Buffer.from('x')); // no handler: dropped on arrival
    net.clock.advance(19);
    assert.deepEqual(got, []);
    net.clock.advance(1);
    assert.deepEqual(got, ['a:hi']);
    assert.deepEqual(net.stats().echo, { sent: 1, delivered: 1, dropped: 0, bytes: 2 });
    assert.deepEqual(net.stats().other, { sent: 1, delivered: 0, dropped: 1, bytes: 1 });
  });

  it('partitions block traffic until healed; a removed node receives nothing', () => {
    const net = new SimNetwork({ jitterMs: 0 });
    let n = 0;
    net.handle('a', 'p', () => {});
    net.handle('b', 'p', () => n++);
    net.handle('c', 'p', () => n++);
    net.partition([['a'], ['b']]);
    assert.equal(net.reachable('a', 'b'), false);
    assert.equal(net.reachable('c', 'b'), false);
    assert.equal(net.send('a', 'b', 'p', new Uint8Array()), false);
    net.heal();
    net.send('a', 'b', 'p', new Uint8Array());
    net.send('a', 'c', 'p', new Uint8Array());
    net.removeNode('c');
    net.clock.advance(100);
    assert.equal(n, 1);
    assert.equal(net.totals().dropped, 2);
  });

  it('loses about the configured share of messages, deterministically', () => {
    const run = () => {
      const net = new SimNetwork({ seed: 9, loss: 0.3 });
      let got = 0;
      net.handle('b', 'p', () => got++);
      net.addNode('a');
      for (let i = 0; i < 2000; i++) net.send('a', 'b', 'p', new Uint8Array(1));
      net.clock.advance(1000);
      return got;
    };
    const got = run();
    assert.ok(got > 1300 && got < 1500, String(got));
    assert.equal(run(), got);
  });
});
