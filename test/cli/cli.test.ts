import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Daemon, murmur, startDaemon } from './helpers.ts';

describe('murmur CLI against running daemons', () => {
  let root: string;
  let a: Daemon;
  let b: Daemon;
  let aId: { peerId: string; addresses: string[] };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'murmur-cli-'));
    [a, b] = await Promise.all([startDaemon(join(root, 'a')), startDaemon(join(root, 'b'))]);
  });
  after(async () => {
    for (const d of [a, b]) if (d && d.child.exitCode === null) d.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  test('id --json and status --json', async () => {
    const id = await murmur(['id', '--json', '--data', a.dir]);
    assert.equal(id.code, 0, id.stderr);
    aId = JSON.parse(id.stdout);
    assert.match(aId.peerId, /^12D3KooW/);
    assert.ok(
      aId.addresses.some((x) => x.startsWith('/ip4/127.0.0.1/tcp/') && x.endsWith(`/p2p/${aId.peerId}`)),
    );
    const st = await murmur(['status', '--json'], { MURMUR_DATA: a.dir });
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout);
    assert.equal(status.peerId, aId.peerId);
    assert.equal(status.bins.length, 32);
    assert.equal(typeof status.depth, 'number');
    const table = await murmur(['status', '--data', a.dir]);
    assert.match(table.stdout, /peer id +12D3KooW/);
    assert.match(table.stdout, /peers per bin/);
  });

  test('connect, then peers on both sides', async () => {
    const r = await murmur(['connect', '--data', b.dir, aId.addresses[0]!]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`connected to ${aId.peerId}`));
    const peers = JSON.parse((await murmur(['peers', '--json', '--data', b.dir])).stdout);
    assert.ok(
      peers.some((p: { peerId: string; state: string }) => p.peerId === aId.peerId && p.state === 'active'),
    );
    // connect returns once b holds a as active; a marks b active on its own side a moment later
    // (the responder's activation is asynchronous), so poll a's list instead of reading it once
    let text = await murmur(['peers', '--data', a.dir]);
    for (const end = Date.now() + 60_000; !/active/.test(text.stdout) && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      text = await murmur(['peers', '--data', a.dir]);
    }
    assert.match(text.stdout, /^PEER +STATE/m);
    assert.match(text.stdout, /active/);
  });

  test('user errors: bad address, node not running, wrong token, data folder in use', async () => {
    const bad = await murmur(['connect', '--data', a.dir, '/ip4/127.0.0.1/tcp/1']);
    assert.equal(bad.code, 2); // usage: a malformed argument
    assert.match(bad.stderr, /^murmur: MURMUR_BAD_ADDRESS: .*\/p2p\//);
    const garbage = await murmur(['connect', '--data', a.dir, 'hello']);
    assert.match(garbage.stderr, /^murmur: MURMUR_BAD_ADDRESS: /);

    const none = await murmur(['id', '--data', join(root, 'nothing')]);
    assert.equal(none.code, 3); // no node running
    assert.match(none.stderr, /^murmur: MURMUR_NODE_NOT_RUNNING: .*start it with/);

    const copy = join(root, 'copy');
    await cp(a.dir, copy, { recursive: true, filter: (src) => !src.includes('/db') });
    await writeFile(join(copy, 'api-token'), `${'0'.repeat(64)}\n`);
    const wrong = await murmur(['status', '--data', copy]);
    assert.equal(wrong.code, 4); // refused by authority
    assert.match(wrong.stderr, /^murmur: MURMUR_API_UNAUTHORIZED: wrong API token/);

    const second = await murmur([
      'start',
      '--data',
      a.dir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--api',
      '127.0.0.1:0',
    ]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /murmur: MURMUR_DATA_IN_USE: /);
    await stat(join(a.dir, 'api.json')); // the running node's file is untouched

    const api = await murmur(['start', '--data', join(root, 'c'), '--api', '0.0.0.0:9022']);
    assert.match(api.stderr, /^murmur: MURMUR_API_NOT_LOOPBACK: /);
  });

  test('with its output redirected, murmur start still logs the dashboard link and how to log in', async () => {
    const running = a
      .output()
      .split('\n')
      .find((l) => l.includes('murmur node running'));
    assert.ok(running, a.output());
    const line = JSON.parse(running) as { dashboard: string; api: string; login: string };
    assert.equal(line.dashboard, `${line.api}/`);
    assert.match(line.login, /dashboard --data /);
    assert.ok(!running.includes(await readFile(join(a.dir, 'api-token'), 'utf8').then((t) => t.trim())));
  });

  test('exit codes by class and --json errors as {"error": {code, message}}', async () => {
    const json = await murmur(['id', '--json', '--data', join(root, 'nothing')]);
    assert.equal(json.code, 3);
    assert.equal(json.stderr, '');
    const body = JSON.parse(json.stdout) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'MURMUR_NODE_NOT_RUNNING');
    assert.match(body.error.message, /start it with/);

    const state = await murmur(['peers', '--state', 'bogus', '--data', a.dir]);
    assert.equal(state.code, 2);
    assert.match(state.stderr, /bogus.*Allowed choices are connecting, active, lifesupport, purgatory/s);
    const unknown = await murmur(['frobnicate']);
    assert.equal(unknown.code, 2);
    const help = await murmur(['--help']);
    assert.equal(help.code, 0);

    const missing = await murmur(['kv', 'get', '/no/such/key', '--data', a.dir]);
    assert.equal(missing.code, 5, missing.stderr);
    assert.match(missing.stderr, /^murmur: MURMUR_TREE_NOT_FOUND: /);
    const missingJson = await murmur(['kv', 'get', '/no/such/key', '--json', '--data', a.dir]);
    assert.equal(missingJson.code, 5);
    assert.equal(JSON.parse(missingJson.stdout).error.code, 'MURMUR_TREE_NOT_FOUND');
  });

  test('SIGTERM stops cleanly and removes api.json', async () => {
    for (const d of [a, b]) {
      d.child.kill('SIGTERM');
      assert.equal(await d.exited, 0, d.output());
      await assert.rejects(stat(join(d.dir, 'api.json')), /ENOENT/);
      assert.match(d.output(), /"msg":"stopped"/);
    }
    const after = await murmur(['id', '--data', a.dir]);
    assert.match(after.stderr, /MURMUR_NODE_NOT_RUNNING/);
  });
});
