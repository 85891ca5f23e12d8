import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonScope, murmur, startDaemon } from '../../cli/helpers.ts';

const { daemons, tmp } = daemonScope('murmur-counter-cli-');

test('murmur counter inc/dec/get/ls against a running murmur start', async () => {
  const dir = await tmp();
  daemons.push(await startDaemon(dir, ['--counters-max', '8']));
  const inc = await murmur(['counter', 'inc', 'hits', '5', '--data', dir]);
  assert.equal(inc.code, 0, inc.stderr);
  assert.equal(inc.stdout.trim(), '5');
  const dec = await murmur(['counter', 'dec', 'hits', '--data', dir]);
  assert.equal(dec.code, 0, dec.stderr);
  assert.equal(dec.stdout.trim(), '4');
  const get = await murmur(['counter', 'get', 'hits', '--json', '--data', dir]);
  assert.equal(get.code, 0, get.stderr);
  assert.deepEqual(JSON.parse(get.stdout), { name: 'hits', value: '4', slots: 1 });
  const ls = await murmur(['counter', 'ls', '--json', '--data', dir]);
  assert.deepEqual(JSON.parse(ls.stdout).counters, [{ name: 'hits', value: '4', slots: 1 }]);
  const bad = await murmur(['counter', 'inc', 'no/slash', '--data', dir]);
  assert.notEqual(bad.code, 0);
  const card = await murmur(['counter', 'ls', '--data', dir]);
  assert.match(card.stdout, /hits\s+4\s+1/);
});
