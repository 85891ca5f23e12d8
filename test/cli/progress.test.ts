import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEta, progressLine } from '../../src/chunks/cli.ts';

const MiB = 1048576;

test('the progress line shows the total, the rate and the ETA', () => {
  // 12 MiB of 48 in 2 s: 6 MiB/s, 36 MiB left: 6 s
  assert.equal(
    progressLine('put', 12 * MiB, 48 * MiB, 2000),
    'put [######..................]  25% 12.0 / 48.0 MiB  6.0 MiB/s  ETA 6.0 s',
  );
  assert.equal(progressLine('get', 3 * MiB, undefined, 1000), 'get 3.0 MiB  3.0 MiB/s');
  assert.match(progressLine('put', 0, 10 * MiB, 0), /ETA --$/);
});

test('ETAs read naturally from seconds to hours', () => {
  assert.equal(formatEta(1.25), '1.3 s');
  assert.equal(formatEta(42), '42 s');
  assert.equal(formatEta(185), '3 m 05 s');
  assert.equal(formatEta(3720), '1 h 02 m');
  assert.equal(formatEta(Number.POSITIVE_INFINITY), '--');
});
