import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../src/api/index.ts';
import { daemonScope, MURMUR, murmur, startDaemon } from '../cli/helpers.ts';

const { daemons, tmp } = daemonScope('murmur-files-');

/** Runs bin/murmur with a stdin payload. */
function murmurStdin(
  args: string[],
  input: Buffer,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(MURMUR, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

test('murmur put / get round trip through bin/murmur against two daemons', async () => {
  const [da, db, work] = [await tmp(), await tmp(), await tmp()];
  const a = await startDaemon(da);
  daemons.push(a);
  const b = await startDaemon(db);
  daemons.push(b);
  const statusA = await (await ApiClient.fromDataDir(da)).status();
  const addrA = statusA.addresses.find((x) => x.includes('/ip4/127.0.0.1/'))!;
  const conn = await murmur(['connect', addrA, '--data', db]);
  assert.equal(conn.code, 0, conn.stderr);

  const file = randomBytes(1024 * 1024 + 77);
  const src = join(work, 'in.bin');
  await writeFile(src, file);
  const put = await murmur(['put', src, '--data', da]);
  assert.equal(put.code, 0, put.stderr);
  const root = put.stdout.trim();
  assert.match(root, /^[0-9a-f]{64}$/);
  assert.equal(put.stderr, '', 'no progress bar when stderr is not a terminal');

  const out = join(work, 'out.bin');
  const get = await murmur(['get', root, '-o', out, '--data', db]);
  assert.equal(get.code, 0, get.stderr);
  assert.ok((await readFile(out)).equals(file));

  // stdin upload, stdout download
  const small = randomBytes(5000);
  const put2 = await murmurStdin(['put', '-', '--data', db], small);
  assert.equal(put2.code, 0, put2.stderr);
  const got2 = await new Promise<Buffer>((resolve, reject) => {
    execFile(
      MURMUR,
      ['get', put2.stdout.trim(), '--data', da],
      { encoding: 'buffer', timeout: 60_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
  assert.ok(got2.equals(small));

  // unknown address: a clean error, exit code 5 (not found), no partial file
  const missing = await murmur(['get', 'ab'.repeat(32), '-o', join(work, 'none'), '--data', db]);
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /MURMUR_CHUNKS_NOT_FOUND/);

  // get -o FILE --json says what was written; a missing input file has a code, not a raw ENOENT
  const out2 = join(work, 'out2.bin');
  const getJson = await murmur(['get', root, '-o', out2, '--json', '--data', db]);
  assert.equal(getJson.code, 0, getJson.stderr);
  assert.deepEqual(JSON.parse(getJson.stdout), { root, bytes: file.length, output: out2 });
  const nofile = await murmur(['put', join(work, 'no-such-file'), '--data', da]);
  assert.equal(nofile.code, 5);
  assert.match(nofile.stderr, /^murmur: MURMUR_CLI_FILE_NOT_FOUND: no such file: .*no-such-file/);

  const status = (await (await ApiClient.fromDataDir(db)).request('GET', '/v1/chunks')) as {
    cursors: string[];
  };
  assert.equal(status.cursors.length, 32);
});
