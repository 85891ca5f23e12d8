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

test('scratch pool: a smaller request gets a buffer of its size, not pooled; a free one is reused', () => {
  const pool = new ScratchPool(1024, 2);
  const small = pool.take(100);
  assert.equal(small.byteLength, 100);
  assert.equal(pool.take(0).byteLength, 0);
  assert.equal(pool.take(5000).byteLength, 1024);
  pool.give(small);
  assert.equal(pool.free, 0);
  const full = pool.take();
  pool.give(full);
  assert.equal(pool.take(10), full);
});
