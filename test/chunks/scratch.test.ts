import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScratchPool } from '../../src/chunks/pullsync/scratch.ts';

test('scratch pool: buffers are handed out again, at most `keep` are held, foreign sizes dropped', () => {
  const pool = new ScratchPool(1024, 2);
  const a = pool.take();
  const b = pool.take();
  const c = pool.take();
  assert.notEqual(a, b);
  assert.equal(a.byteLength, 1024);
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assert.equal(pool.free, 2);
  pool.give(new Uint8Array(10));
  assert.equal(pool.free, 2);
  const again = [pool.take(), pool.take()];
  assert.ok(again.includes(a) || again.includes(b));
  assert.equal(pool.free, 0);
});
