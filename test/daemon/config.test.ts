import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig, parseApiAddress, parseMultiaddr, readConfigFile } from '../../src/config/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';

const PEER = '/ip4/10.0.0.1/tcp/9021/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

describe('config', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'murmur-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('defaults with nothing given', async () => {
    const c = await loadConfig({ cwd: dir, env: {} });
    assert.equal(c.dataDir, join(dir, '.murmur'));
    assert.deepEqual(c.listen, ['/ip4/0.0.0.0/tcp/9021']);
    assert.equal(c.listenIsDefault, true);
    assert.deepEqual(c.api, { host: '127.0.0.1', port: 9022 });
    assert.equal(c.apiIsDefault, true);
    assert.equal(c.networkId, 'murmur');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.encryption, 'noise');
    assert.deepEqual(c.bootstrap, []);
    assert.equal(c.iface, undefined);
  });

  test('precedence: flags > env > config.json > defaults', async () => {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        network: 'file',
        api: '127.0.0.1:1111',
        iface: 'eth9',
        listen: ['/ip4/127.0.0.1/tcp/1'],
      }),
    );
    const env = {
      MURMUR_DATA: dir,
      MURMUR_API: '127.0.0.1:2222',
      MURMUR_LISTEN: '/ip4/127.0.0.1/tcp/2, /ip4/127.0.0.1/tcp/3',
    };
    const c = await loadConfig({ flags: { network: 'flag' }, env, cwd: '/' });
    assert.equal(c.dataDir, dir);
    assert.equal(c.networkId, 'flag');
    assert.deepEqual(c.api, { host: '127.0.0.1', port: 2222 });
    assert.equal(c.apiIsDefault, false);
    assert.deepEqual(c.listen, ['/ip4/127.0.0.1/tcp/2', '/ip4/127.0.0.1/tcp/3']);
    assert.equal(c.iface, 'eth9');
    const f = await loadConfig({ flags: { data: dir, bootstrap: [PEER] }, env: {} });
    assert.equal(f.networkId, 'file');
    assert.deepEqual(f.bootstrap, [PEER]);
    await rm(join(dir, 'config.json'));
  });

  test('bad values throw stable codes', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ listen: ['nope'] }, 'MURMUR_BAD_ADDRESS'],
      [{ bootstrap: ['/ip4/1.2.3.4/tcp/1'] }, 'MURMUR_BAD_ADDRESS'],
      [{ api: 'localhost:99999' }, 'MURMUR_BAD_ADDRESS'],
      [{ api: '0.0.0.0:9022' }, 'MURMUR_API_NOT_LOOPBACK'],
      [{ network: 'has space' }, 'MURMUR_CONFIG_INVALID'],
      [{ logLevel: 'loud' }, 'MURMUR_CONFIG_INVALID'],
      [{ encryption: 'rot13' }, 'MURMUR_CONFIG_INVALID'],
      [{ iface: 'a b' }, 'MURMUR_CONFIG_INVALID'],
    ];
    for (const [flags, code] of cases) {
      await assert.rejects(
        loadConfig({ flags: { data: dir, ...flags } as never, env: {} }),
        (e: unknown) => isMurmurError(e) && e.code === code,
        JSON.stringify(flags),
      );
    }
  });

  test('config.json: unknown keys, wrong types and bad JSON are MURMUR_CONFIG_INVALID', async () => {
    for (const text of ['{"lisen": []}', '{"listen": "x"}', '{"network": 5}', '[1]', '{', 'null']) {
      await writeFile(join(dir, 'config.json'), text);
      await assert.rejects(
        readConfigFile(dir),
        (e: unknown) => isMurmurError(e, 'MURMUR_CONFIG_INVALID'),
        text,
      );
    }
    await rm(join(dir, 'config.json'));
  });

  test('config.json decoder: random bytes give a config or MURMUR_CONFIG_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 100 }),
          fc.json().map((s) => Buffer.from(s)),
        ),
        async (b) => {
          await writeFile(join(dir, 'config.json'), b);
          try {
            await loadConfig({ flags: { data: dir }, env: {} });
          } catch (e) {
            assert.ok(isMurmurError(e), String(e));
            assert.match(e.code, /^MURMUR_(CONFIG_INVALID|BAD_ADDRESS|API_NOT_LOOPBACK)$/);
          }
        },
      ),
      { numRuns: 150 },
    );
    await rm(join(dir, 'config.json'));
  });

  test('API and multiaddr parsers', () => {
    assert.deepEqual(parseApiAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseApiAddress('[::1]:9022'), { host: '::1', port: 9022 });
    assert.deepEqual(parseApiAddress('9030'), { host: '127.0.0.1', port: 9030 });
    for (const bad of ['', ':', 'host:', '::1:80', 'a b:1', '127.0.0.1:x']) {
      assert.throws(
        () => parseApiAddress(bad),
        (e: unknown) => isMurmurError(e, 'MURMUR_BAD_ADDRESS'),
        bad,
      );
    }
    assert.equal(parseMultiaddr(PEER, { needPeerId: true }), PEER);
    assert.throws(() => parseMultiaddr('/ip4/1.2.3.4/tcp/1', { needPeerId: true }), /p2p/);
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        for (const f of [() => parseApiAddress(s), () => parseMultiaddr(s)]) {
          try {
            f();
          } catch (e) {
            assert.ok(isMurmurError(e, 'MURMUR_BAD_ADDRESS'), String(e));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
