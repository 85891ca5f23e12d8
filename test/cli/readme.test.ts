import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MURMUR, murmur, startDaemon } from './helpers.ts';

/** The README's shell block that follows `intro`. */
async function readmeBlock(intro: string): Promise<string> {
  const text = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const at = text.indexOf(intro);
  assert.ok(at >= 0, `README has "${intro}"`);
  const m = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(m?.[1], 'a sh block follows');
  return m[1];
}

test('the README\'s "two nodes on one machine" block works when pasted', async () => {
  const root = await mkdtemp(join(tmpdir(), 'murmur-readme-'));
  const a = await startDaemon(join(root, 'a'));
  let bPid: string | undefined;
  try {
    const put = await murmur(['kv', 'put', '/hello', 'world', '--data', a.dir]);
    assert.equal(put.code, 0, put.stderr);
    // as pasted, but `npx murmur` is this checkout's bin, /tmp/b a fresh folder, node A the default
    const script = (await readmeBlock('Two nodes on one machine'))
      .replaceAll('npx murmur', MURMUR)
      .replaceAll('/tmp/b', join(root, 'b'));
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-ec', `${script}\necho "B_PID=$!"`],
        { env: { ...process.env, MURMUR_DATA: a.dir }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    bPid = /B_PID=(\d+)/.exec(out.stdout)?.[1];
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^world$/m);
  } finally {
    if (bPid !== undefined) process.kill(Number(bPid), 'SIGTERM');
    a.child.kill('SIGTERM');
    await a.exited;
    await rm(root, { recursive: true, force: true });
  }
});
