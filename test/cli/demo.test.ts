import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { murmur } from './helpers.ts';

test('murmur demo starts a local network, shows it converging, cleans up and exits 0', async () => {
  const r = await murmur(['demo', '--nodes', '4', '--timeout', '60']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /starting 4 nodes on loopback/);
  assert.match(r.stdout, /node3 +12D3KooW.* 3\/3 peers active/);
  assert.match(r.stdout, /converged: every one of the 4 nodes has an active connection to every other/);
  const dir = /removed (\S+)/.exec(r.stdout)?.[1];
  assert.ok(dir, r.stdout);
  assert.equal(existsSync(dir), false);
});

test('murmur demo refuses a bad node count', async () => {
  const r = await murmur(['demo', '--nodes', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^murmur: MURMUR_INVALID_ARGUMENT: --nodes/);
});
