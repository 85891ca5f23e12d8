import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../src/api/index.ts';
import { daemonScope, murmur, startDaemon } from '../cli/helpers.ts';

const { daemons, tmp } = daemonScope('murmur-tree-cli-');

/** Retries a command until `ok` holds for its result (replication is asynchronous). */
async function eventually(
  args: string[],
  ok: (r: { code: number; stdout: string; stderr: string }) => boolean,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // generous: each try spawns bin/murmur, which takes a second or more on a loaded machine
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await murmur(args);
    if (ok(r)) return r;
    if (Date.now() > end) throw new Error(`murmur ${args.join(' ')} never satisfied: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

test('tree CLI through bin/murmur against two daemons: keygen, put/get, list, grant, refused write, grant/revoke without authority refused, revoke', async () => {
  const [da, db, work] = [await tmp(), await tmp(), await tmp()];
  const a = await startDaemon(da);
  daemons.push(a);
  const b = await startDaemon(db);
  daemons.push(b);
  const status = await (await ApiClient.fromDataDir(da)).status();
  const addrA = status.addresses.find((x) => x.includes('/ip4/127.0.0.1/'))!;
  assert.equal((await murmur(['connect', addrA, '--data', db])).code, 0);

  // a newcomer writes at once to the node's own tree; the node key file is 0600
  const ls = await murmur(['tree', 'ls', '--json', '--data', da]);
  assert.equal(ls.code, 0, ls.stderr);
  const root = (JSON.parse(ls.stdout) as { nodeKey: string; default: string }).nodeKey;
  assert.equal(((await stat(join(da, 'tree-key.json'))).mode & 0o777).toString(8), '600');
  const put = await murmur(['kv', 'put', '/hello', 'world', '--data', da]);
  assert.equal(put.code, 0, put.stderr);
  assert.equal((await murmur(['kv', 'get', '/hello', '--data', da])).stdout, 'world\n');
  assert.equal((await murmur(['kv', 'put', '/cfg', '{"a":1}', '--json-value', '--data', da])).code, 0);

  // the other node joins A's tree as its default and reads A's writes
  assert.equal((await murmur(['tree', 'use', root, '--data', db])).code, 0);
  await eventually(['kv', 'get', '/hello', '--data', db], (r) => r.stdout === 'world\n');
  const list = await eventually(['kv', 'list', '--data', db], (r) => r.stdout.includes('/cfg'));
  assert.match(list.stdout, /\/cfg = \{"a":1\}/);

  // a fresh key gets a grant under /w/**
  const keyFile = join(work, 'writer.json');
  const kg = await murmur(['keygen', '-o', keyFile]);
  assert.equal(kg.code, 0, kg.stderr);
  const pub = kg.stdout.trim();
  assert.match(pub, /^[0-9a-f]{64}$/);
  const g = await murmur(['grant', '--to', pub, '--pattern', '/w/**', '--data', da]);
  assert.equal(g.code, 0, g.stderr);
  const grantId = g.stdout.trim();
  await eventually(['grants', '--json', '--data', db], (r) => r.stdout.includes(grantId));
  const w = await murmur(['kv', 'put', '/w/x', 'by writer', '--key', keyFile, '--data', db]);
  assert.equal(w.code, 0, w.stderr);
  const refused = await murmur(['kv', 'put', '/elsewhere', 'no', '--key', keyFile, '--data', db]);
  assert.equal(refused.code, 4); // refused by authority
  assert.match(refused.stderr, /MURMUR_TREE_NO_GRANT/);
  await eventually(['kv', 'get', '/w/x', '--tree', root, '--data', da], (r) => r.stdout === 'by writer\n');

  // a key with no authority can neither grant nor revoke: stable codes, nothing stored
  const strangerFile = join(work, 'stranger.json');
  assert.equal((await murmur(['keygen', '-o', strangerFile])).code, 0);
  const sg = await murmur(['grant', '--to', pub, '--pattern', '/**', '--key', strangerFile, '--data', da]);
  assert.equal(sg.code, 4);
  assert.match(sg.stderr, /MURMUR_TREE_NO_GRANT/);
  const sr = await murmur(['revoke', grantId, '--key', strangerFile, '--data', da]);
  assert.equal(sr.code, 4);
  assert.match(sr.stderr, /MURMUR_TREE_NOT_AUTHORISED/);
  const gs = JSON.parse((await murmur(['grants', '--json', '--data', da])).stdout) as { revoked: boolean }[];
  assert.deepEqual(
    gs.map((x) => x.revoked),
    [false],
  );

  // revoking removes the writer's entry on both nodes
  const rv = await murmur(['revoke', grantId, '--data', da]);
  assert.equal(rv.code, 0, rv.stderr);
  await eventually(['kv', 'get', '/w/x', '--data', db], (r) => r.stderr.includes('MURMUR_TREE_NOT_FOUND'));
  const gl = await murmur(['grants', '--json', '--data', da]);
  assert.equal((JSON.parse(gl.stdout) as { revoked: boolean }[])[0]?.revoked, true);
  const again = await murmur(['kv', 'put', '/w/y', 'late', '--key', keyFile, '--data', db]);
  assert.match(again.stderr, /MURMUR_TREE_GRANT_REVOKED/);
});
