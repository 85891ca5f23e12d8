import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Daemon, murmur, poll, startDaemon } from '../cli/helpers.ts';

/**
 * A real `murmur start` whose data folder is a 20 MiB tmpfs: filled by a ballast file and uploads
 * until writes fail, then the ballast is deleted. No write the node acknowledges may be lost on a
 * restart (LevelDB's log is torn by the failed write: writes acknowledged on the same handle after
 * it were lost), and every refusal says the disk is full.
 */

const isRoot = process.getuid?.() === 0;
const required = process.env.MURMUR_REQUIRE_NETNS === '1';
const skip =
  isRoot || required
    ? false
    : 'mounting a tmpfs needs root (MURMUR_REQUIRE_NETNS=1 makes this test required)';

const MiB = 1024 * 1024;
const REFUSED = /MURMUR_DISK_FULL|MURMUR_STORE_FAILED/;

const freeBytes = async (dir: string): Promise<number> => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

const json = async <T>(args: string[]): Promise<T> => {
  const r = await murmur([...args, '--json']);
  assert.equal(r.code, 0, `murmur ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

async function stop(d: Daemon): Promise<number | null> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
  return d.exited;
}

test('a full disk: no write acknowledged after a failed store write is lost on restart; refusals say the disk is full', {
  skip,
  timeout: 240_000,
}, async () => {
  const base = await mkdtemp(join(tmpdir(), 'murmur-disk-full-'));
  const data = join(base, 'data');
  const src = join(base, 'src');
  await mkdir(data);
  await mkdir(src);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', data]);
  const daemons: Daemon[] = [];
  try {
    const d1 = await startDaemon(data);
    daemons.push(d1);
    const journal = (await json<{ id: string }>(['journal', 'create', 'j', '--data', data])).id;
    // most of the folder taken by a ballast file, a few MiB left for uploads
    const ballast = join(data, 'ballast');
    await writeFile(ballast, Buffer.alloc(Math.max(0, (await freeBytes(data)) - 6 * MiB)));

    // uploads until one fails, then kv puts until one fails (the log pages left full as well)
    let failedPut: string | undefined;
    for (let i = 0; i < 20 && failedPut === undefined; i++) {
      const f = join(src, `fill-${i}.bin`);
      await writeFile(f, randomBytes(MiB));
      const r = await murmur(['put', f, '--data', data]);
      if (r.code !== 0) failedPut = r.stderr;
    }
    assert.ok(failedPut !== undefined, 'an upload fails on the full disk');
    let failedKv: string | undefined;
    const big = 'x'.repeat(3000);
    for (let i = 0; i < 50 && failedKv === undefined; i++) {
      const r = await murmur(['kv', 'put', `/fill/${i}`, big, '--data', data]);
      if (r.code !== 0) failedKv = r.stderr;
    }
    assert.ok(failedKv !== undefined, 'a kv put fails on the full disk');
    const failedJournal = await murmur(['journal', 'append', journal, '{"e":"full","p":0}', '--data', data]);
    const statusFull = await json<{ store?: { state?: string; code?: string } }>(['status', '--data', data]);
    const statusText = (await murmur(['status', '--data', data])).stdout;

    // space is back: each write is refused with a clear code, or acknowledged and then kept
    await rm(ballast);
    const fileAfter = join(src, 'after.bin');
    await writeFile(fileAfter, randomBytes(MiB));
    const kv = await murmur(['kv', 'put', '/after', 'v1', '--data', data]);
    const ev = await murmur(['journal', 'append', journal, '{"e":"after","p":1}', '--data', data]);
    const put = await murmur(['put', fileAfter, '--json', '--data', data]);
    // (`put --json` reports its error as {"error":{code,message}} on stdout)
    const refusals = [kv, ev, put].filter((r) => r.code !== 0).map((r) => r.stderr + r.stdout);

    // the node reopens its store once space is back and acknowledges again
    await poll(
      async () => (await murmur(['kv', 'put', '/recovered', 'yes', '--data', data])).code === 0,
      90_000,
      'a kv put acknowledged once the store is reopened',
    );
    const statusBack = await json<{ store?: { state?: string } }>(['status', '--data', data]);
    const evBack = await json<{ seq: number }[] | { seq: number }>([
      'journal',
      'append',
      journal,
      '{"e":"back","p":2}',
      '--data',
      data,
    ]);
    const fileBack = join(src, 'back.bin');
    await writeFile(fileBack, randomBytes(MiB));
    const putBack = await json<{ root: string }>(['put', fileBack, '--data', data]);
    const headBefore = (
      await json<{ events: { seq: number; e: string }[] }>(['journal', 'read', journal, '--data', data])
    ).events;

    assert.equal(await stop(d1), 0, d1.output());
    const d2 = await startDaemon(data);
    daemons.push(d2);

    // every acknowledged write is there after the restart
    if (kv.code === 0) {
      assert.equal(
        (await murmur(['kv', 'get', '/after', '--data', data])).stdout.trim(),
        'v1',
        'kv /after kept',
      );
    }
    assert.equal((await murmur(['kv', 'get', '/recovered', '--data', data])).stdout.trim(), 'yes');
    const events = (
      await json<{ events: { seq: number; e: string }[] }>(['journal', 'read', journal, '--data', data])
    ).events;
    assert.deepEqual(
      events.map((e) => e.seq),
      headBefore.map((e) => e.seq),
      'the journal keeps every acknowledged event',
    );
    assert.equal(events.at(-1)?.e, 'back');
    assert.ok(evBack !== undefined);
    if (ev.code === 0)
      assert.ok(
        events.some((e) => e.e === 'after'),
        'the event appended after the ballast went is kept',
      );
    const files: [string, string][] = [[putBack.root, fileBack]];
    if (put.code === 0) files.push([(JSON.parse(put.stdout) as { root: string }).root, fileAfter]);
    for (const [root, path] of files) {
      const out = join(src, `${root}.out`);
      const got = await murmur(['get', root, '-o', out, '--data', data]);
      assert.equal(got.code, 0, `file ${root} kept: ${got.stderr}`);
      assert.deepEqual(await readFile(out), await readFile(path));
    }

    // every refusal says the disk is full, and the status showed the store read-only
    assert.match(failedPut, /MURMUR_DISK_FULL/, 'the failed upload says the disk is full');
    assert.match(failedKv, /MURMUR_DISK_FULL/, 'the failed kv put says the disk is full');
    // (acknowledged only if the store was reopened meanwhile: then kept, as checked above)
    if (failedJournal.code !== 0) {
      assert.match(
        failedJournal.stderr,
        /MURMUR_DISK_FULL/,
        'the failed journal append says the disk is full',
      );
    }
    for (const r of refusals) assert.match(r, REFUSED);
    assert.equal(statusFull.store?.state, 'failed');
    assert.equal(statusFull.store?.code, 'MURMUR_DISK_FULL');
    assert.match(statusText, /store +read-only: disk full/);
    assert.equal(statusBack.store?.state, 'ok');
    assert.equal(await stop(d2), 0, d2.output());
  } finally {
    for (const d of daemons) await stop(d);
    execFileSync('umount', [data]);
    await rm(base, { recursive: true, force: true });
  }
});
