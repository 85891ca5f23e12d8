import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMurmurError } from '../../src/errors/index.ts';
import {
  formatTable,
  gzipRows,
  lockTable,
  parseTable,
  type Row,
  Table,
  writeTableFile,
} from '../../src/p2ptbl/index.ts';

const NODE = process.execPath;
const UPDATER = new URL('./fixtures/updater.ts', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2ptbl-table-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

function runUpdater(
  table: string,
  prefix: string,
  count: number,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  return spawn(NODE, [UPDATER, table, prefix, String(count)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}

describe('p2ptbl Table', () => {
  it('init creates the folder and keeps an existing table', async () => {
    const t = new Table(join(dir, 'sub', 'init'));
    assert.equal(await t.init(), true);
    await t.update('k', 'v');
    assert.equal(await t.init(), false);
    assert.equal((await t.get('k'))?.value, 'v');
  });

  it('fails with MURMUR_P2PTBL_NO_TABLE on a missing table, and rejects bad keys and values', async () => {
    const t = new Table(join(dir, 'missing'));
    await assert.rejects(t.update('k', 'v'), (e) => isMurmurError(e, 'MURMUR_P2PTBL_NO_TABLE'));
    await assert.rejects(t.read(), (e) => isMurmurError(e, 'MURMUR_P2PTBL_NO_TABLE'));
    const u = new Table(join(dir, 'bad'));
    await u.init();
    await assert.rejects(u.update('a\tb', 'v'), (e) => isMurmurError(e, 'MURMUR_P2PTBL_BAD_KEY'));
    await assert.rejects(u.update('', 'v'), (e) => isMurmurError(e, 'MURMUR_P2PTBL_BAD_KEY'));
    await assert.rejects(u.update('k', 'a\nb'), (e) => isMurmurError(e, 'MURMUR_P2PTBL_BAD_VALUE'));
  });

  it('update bumps the version by 1 + up to 2^32, beyond 2^53', async () => {
    const path = join(dir, 'versions');
    await writeFile(path, 'k\t9007199254740993\told\n');
    const t = new Table(path);
    const row = await t.update('k', 'new');
    assert.ok(row.version > 9007199254740993n && row.version <= 9007199254740993n + 2n ** 32n);
    assert.equal((await t.get('k'))?.version, row.version);
  });

  it('del writes a tombstone that gossip of the old value cannot undo; a later update beats it', async () => {
    const t = new Table(join(dir, 'del'));
    await t.init();
    const old = await t.update('k', 'v');
    const stone = await t.delete('k');
    assert.ok(stone && stone.value === null && stone.version > old.version);
    assert.equal(await t.get('k'), undefined);
    assert.match(await readFile(t.path, 'latin1'), /^k\t\d+\n$/);
    const stats = await t.mergeRows(parseTable(formatTable([old])));
    assert.equal(stats.changed, 0);
    assert.equal(await t.get('k'), undefined, 'the old row does not come back');
    assert.equal(await t.delete('k'), undefined, 'deleting a deleted key changes nothing');
    const again = await t.update('k', 'w');
    assert.ok(again.version > stone.version);
    assert.equal((await t.get('k'))?.value, 'w');
  });

  it('merges a file, counting changes; receive creates the table and skips malformed rows', async () => {
    const t = new Table(join(dir, 'merge'));
    await t.init();
    await t.update('a', '1');
    const other = join(dir, 'other');
    await writeFile(other, 'a\t1\tlow\nb\t5\tnew\nnot a row\n');
    const stats = await t.mergeFile(other);
    assert.deepEqual(stats, { received: 2, changed: 1, skipped: 1, oversized: 0, refused: 0 });
    assert.equal((await t.get('b'))?.value, 'new');
    assert.equal((await t.get('a'))?.value, '1');

    const fresh = new Table(join(dir, 'recv', 'fresh'));
    const rs = await fresh.receive(gzipRows([{ key: 'x', version: 3n, value: 'y' }]));
    assert.equal(rs.changed, 1);
    assert.equal(await readFile(fresh.path, 'latin1'), 'x\t3\ty\n');
  });

  it('filter rewrites changed rows, tombstones dropped ones, keeps unchanged versions; a failure changes nothing', async () => {
    const t = new Table(join(dir, 'filter'));
    await t.init();
    const a = await t.update('a', 'keep');
    await t.update('b', 'drop');
    await t.update('c', 'change');
    const stats = await t.filter('sh', [
      '-c',
      "grep -v '^b' | sed 's/change/changed/'; printf 'd\\tadded\\n'",
    ]);
    assert.deepEqual(stats, { changed: 2, deleted: 1, unchanged: 1 });
    const { rows } = await t.read();
    assert.deepEqual(
      rows.map((r) => [r.key, r.value]),
      [
        ['a', 'keep'],
        ['b', null],
        ['c', 'changed'],
        ['d', 'added'],
      ],
    );
    assert.equal(rows[0]?.version, a.version);
    const before = await readFile(t.path);
    await assert.rejects(t.filter('sh', ['-c', 'exit 3']), (e) =>
      isMurmurError(e, 'MURMUR_P2PTBL_FILTER_FAILED'),
    );
    await assert.rejects(t.filter('sh', ['-c', 'echo notab']), (e) =>
      isMurmurError(e, 'MURMUR_P2PTBL_FILTER_FAILED'),
    );
    assert.deepEqual(await readFile(t.path), before);
  });

  it('times out with MURMUR_P2PTBL_LOCKED while another holder keeps the lock', async () => {
    const t = new Table(join(dir, 'locked'), { lockTimeoutMs: 200 });
    await t.init();
    const release = await lockTable(t.path);
    try {
      await assert.rejects(t.update('k', 'v'), (e) => isMurmurError(e, 'MURMUR_P2PTBL_LOCKED'));
    } finally {
      await release();
    }
    await t.update('k', 'v');
  });
});

describe('p2ptbl Table: concurrency and crashes', () => {
  for (const mode of ['flock', 'pidfile'] as const) {
    it(`loses no update: 20 processes x 10 updates of different keys (${mode} lock)`, async () => {
      const path = join(dir, `concurrent-${mode}`);
      await new Table(path).init();
      const env = { ...process.env, MURMUR_P2PTBL_LOCK: mode === 'pidfile' ? 'pidfile' : '' };
      const children = Array.from({ length: 20 }, (_, i) => runUpdater(path, `p${i}`, 10, env));
      const codes = await Promise.all(children.map(exited));
      assert.deepEqual(codes, Array(20).fill(0));
      const { rows, skipped } = parseTable(await readFile(path, 'latin1'));
      assert.equal(skipped, 0);
      assert.equal(rows.length, 200);
    });
  }

  it('breaks a stale pid lock left by a dead process', async () => {
    const path = join(dir, 'stale');
    await new Table(path).init();
    await writeFile(`${path}.pidlock`, '999999999\n');
    const env = { ...process.env, MURMUR_P2PTBL_LOCK: 'pidfile' };
    assert.equal(await exited(runUpdater(path, 's', 3, env)), 0);
    assert.equal(parseTable(await readFile(path, 'latin1')).rows.length, 3);
  });

  it('a stale pid lock broken by many contenders at once still admits one writer at a time', async () => {
    // Regression: breaking a dead holder's lock used to move it aside and back, and a third process
    // could take the lock in between, so two writers held it (one's temp file was then removed).
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `stale-crowd-${round}`);
      await new Table(path).init();
      await writeFile(`${path}.pidlock`, '999999999\n');
      const env = { ...process.env, MURMUR_P2PTBL_LOCK: 'pidfile' };
      const children = Array.from({ length: 12 }, (_, i) => runUpdater(path, `c${i}`, 5, env));
      assert.deepEqual(await Promise.all(children.map(exited)), Array(12).fill(0));
      assert.equal(parseTable(await readFile(path, 'latin1')).rows.length, 60);
    }
  });

  it('kill -9 at any moment leaves the old or the new table, never a torn one, and no stuck lock', async () => {
    const path = join(dir, 'crash');
    const big: Row[] = [];
    for (let i = 0; i < 20_000; i++)
      big.push({ key: `seed-${String(i).padStart(6, '0')}`, version: BigInt(i), value: 'x'.repeat(40) });
    await writeTableFile(path, big);
    for (let round = 0; round < 8; round++) {
      const before = await stat(path);
      const child = runUpdater(path, `r${round}`, 0);
      // A fixed delay after the spawn killed the child before it had loaded under load (node takes a
      // second or more to start on a busy machine), so nothing landed: wait until its first update
      // replaced the table, then kill at a different moment of its next updates in each round.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const now = await stat(path);
        if (now.ino !== before.ino || now.mtimeMs !== before.mtimeMs || now.size !== before.size) break;
        assert.ok(child.exitCode === null, `updater exited early with ${child.exitCode}`);
        assert.ok(Date.now() < deadline, 'the updater never wrote the table');
        await sleep(5);
      }
      await sleep(round * 40);
      child.kill('SIGKILL');
      await exited(child);
      const { rows, skipped } = parseTable(await readFile(path, 'latin1'));
      assert.equal(skipped, 0, 'every row valid');
      assert.ok(rows.length >= 20_000, 'no row lost');
    }
    const landed = parseTable(await readFile(path, 'latin1')).rows.length - 20_000;
    assert.ok(landed > 0, 'the killed writers were mid-work: some of their updates landed');
    // The lock is free again (the kernel dropped it with the killed process) and leftovers are cleaned.
    const t = new Table(path, { lockTimeoutMs: 5000 });
    await t.update('after', 'crash');
    assert.equal((await t.get('after'))?.value, 'crash');
    const leftovers = (await readdir(dir)).filter((n) => n.startsWith('crash.tmp.'));
    assert.deepEqual(leftovers, []);
  });
});
