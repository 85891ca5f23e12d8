import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { murmur, startDaemon } from './helpers.ts';

test('after kill -9 the CLI says not running; a restart keeps the identity and the token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-restart-'));
  try {
    const first = await startDaemon(dir);
    const id1 = JSON.parse((await murmur(['id', '--json', '--data', dir])).stdout);
    const token = await readFile(join(dir, 'api-token'), 'utf8');
    first.child.kill('SIGKILL');
    await first.exited;
    await stat(join(dir, 'api.json')); // left behind by the crash
    const down = await murmur(['status', '--data', dir]);
    assert.equal(down.code, 3); // no node running
    assert.match(down.stderr, /^murmur: MURMUR_NODE_NOT_RUNNING: .*stale api\.json/);

    const second = await startDaemon(dir);
    const id2 = JSON.parse((await murmur(['id', '--json', '--data', dir])).stdout);
    assert.equal(id2.peerId, id1.peerId);
    assert.equal(id2.overlay, id1.overlay);
    assert.equal(await readFile(join(dir, 'api-token'), 'utf8'), token);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, second.output());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
