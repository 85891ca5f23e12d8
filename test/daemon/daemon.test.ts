import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient, readApiInfo } from '../../src/api/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/index.ts';
import { isMurmurError, MurmurError } from '../../src/errors/index.ts';
import { FakeNode } from '../api/fake-node.ts';

describe('daemon over a fake node', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'murmur-daemon-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const config = () => loadConfig({ flags: { data: dir, api: '127.0.0.1:0' }, env: {} });

  test('start writes token and api.json (0600), the client finds the node, stop cleans up', async () => {
    const node = new FakeNode();
    const daemon = new Daemon({ config: await config(), createNode: () => node });
    await daemon.start();
    assert.ok(node.started);
    const tokenStat = await stat(join(dir, 'api-token'));
    assert.equal(tokenStat.mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'api.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const info = await readApiInfo(dir);
    assert.equal(info.pid, process.pid);
    assert.equal(info.url, daemon.apiUrl);
    const client = await ApiClient.fromDataDir(dir);
    assert.equal((await client.id()).peerId, node.peerId);
    const token = await readFile(join(dir, 'api-token'), 'utf8');
    await daemon.stop();
    assert.equal(node.started, false);
    await assert.rejects(stat(join(dir, 'api.json')), /ENOENT/);
    await assert.rejects(ApiClient.fromDataDir(dir), (e: unknown) =>
      isMurmurError(e, 'MURMUR_NODE_NOT_RUNNING'),
    );
    await assert.rejects(client.id(), (e: unknown) => isMurmurError(e, 'MURMUR_NODE_NOT_RUNNING'));

    const again = new Daemon({ config: await config(), createNode: () => new FakeNode() });
    await again.start();
    assert.equal(await readFile(join(dir, 'api-token'), 'utf8'), token, 'the token survives restarts');
    await again.stop();
  });

  test('a stale api.json of a dead process reads as not running', async () => {
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: 'http://127.0.0.1:1', pid: 2 ** 22 + 7 }));
    await assert.rejects(readApiInfo(dir), (e: unknown) => isMurmurError(e, 'MURMUR_NODE_NOT_RUNNING'));
    await rm(join(dir, 'api.json'));
  });

  test('a node that fails to start leaves nothing behind and its error passes through', async () => {
    const node = new FakeNode();
    node.start = async () => {
      throw new MurmurError('MURMUR_DATA_IN_USE', `data folder ${dir} is in use by process 1`);
    };
    const daemon = new Daemon({ config: await config(), createNode: () => node });
    await assert.rejects(daemon.start(), (e: unknown) => isMurmurError(e, 'MURMUR_DATA_IN_USE'));
    await assert.rejects(stat(join(dir, 'api.json')), /ENOENT/);
    assert.equal(daemon.running, false);
  });

  test('the default listen address falls back to a free port when taken', async () => {
    const seen: string[][] = [];
    const cfg = await loadConfig({ flags: { data: dir, api: '127.0.0.1:0' }, env: {} });
    const daemon = new Daemon({
      config: cfg,
      createNode: (opts) => {
        seen.push(opts.listen ?? []);
        const node = new FakeNode();
        if (seen.length === 1) {
          node.start = async () => {
            throw Object.assign(new Error('listen EADDRINUSE: address already in use'), {
              code: 'EADDRINUSE',
            });
          };
        }
        return node;
      },
    });
    await daemon.start();
    assert.deepEqual(seen, [['/ip4/0.0.0.0/tcp/9021'], ['/ip4/0.0.0.0/tcp/0']]);
    await daemon.stop();
  });
});
