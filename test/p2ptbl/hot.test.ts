import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  changedKeys,
  formatHot,
  formatTable,
  gzipRows,
  hotPath,
  markHot,
  parseHot,
  parseTable,
  type Row,
  readHot,
  selectGossip,
  splitHot,
  Table,
  writeTableFile,
} from '../../src/p2ptbl/index.ts';

const NODE = process.execPath;
const UPDATER = new URL('./fixtures/updater.ts', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2ptbl-hot-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bulk(n: number, prefix = 'row'): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++)
    rows.push({ key: `${prefix}-${String(i).padStart(5, '0')}`, version: BigInt(1000 + i), value: `v${i}` });
  return rows;
}

/** A table of `n` cold rows (written directly, so nothing is hot). */
async function coldTable(name: string, n: number, opts: ConstructorParameters<typeof Table>[1] = {}) {
  const path = join(dir, name);
  await writeTableFile(path, bulk(n));
  return { path, t: new Table(path, opts) };
}

describe('p2ptbl hot rows: sidecar format', () => {
  it('round-trips, sorted, and drops rows with no sends left', () => {
    const s = new Map([
      ['b', 2],
      ['a', 1],
      ['z', 0],
    ]);
    const text = formatHot(s);
    assert.equal(text, 'p2ptbl-hot 1\na\t1\nb\t2\n');
    assert.deepEqual(
      parseHot(text),
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
  });

  it('any bytes parse to a state of valid keys and counts, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, header) => {
        const text = (header ? 'p2ptbl-hot 1\n' : '') + Buffer.from(bytes).toString('latin1');
        for (const [k, n] of parseHot(text)) {
          assert.ok(k.length > 0 && !/[\t\n\0]/.test(k));
          assert.ok(Number.isInteger(n) && n >= 1);
        }
      }),
      { numRuns: 500 },
    );
    assert.equal(parseHot('garbage\nk\t3\n').size, 0, 'no header: nothing hot');
    assert.deepEqual(
      [...parseHot('p2ptbl-hot 1\nk\t3\nbad\nk2\t-1\nk3\t0\n\0x\t2\nk4\t2')],
      [
        ['k', 3],
        ['k4', 2],
      ],
    );
  });

  it('changedKeys reports new and changed rows only', () => {
    const a = bulk(5);
    const b = a.map((r, i) => (i === 2 ? { ...r, version: r.version + 1n } : r));
    b.push({ key: 'zz', version: 1n, value: null });
    assert.deepEqual(changedKeys(a, b), ['row-00002', 'zz']);
    assert.deepEqual(changedKeys(a, a), []);
  });
});

describe('p2ptbl hot rows: selection', () => {
  it('hot rows come first, most sends left first, then the random rest', () => {
    const rows = bulk(400);
    const state = new Map<string, number>();
    markHot(state, ['row-00300', 'row-00301'], 1);
    markHot(state, ['row-00007'], 3);
    const { hot, rest } = splitHot(rows, state);
    assert.equal(hot[0]?.key, 'row-00007');
    assert.deepEqual(
      hot
        .slice(1)
        .map((r) => r.key)
        .sort(),
      ['row-00300', 'row-00301'],
    );
    assert.equal(rest.length, 397);
    const sel = selectGossip(rest, 200, { first: hot });
    assert.ok(sel !== undefined && sel.rows.length > 3 && sel.payload.length <= 200);
    assert.deepEqual(
      sel.rows.slice(0, 3).map((r) => r.key),
      hot.map((r) => r.key),
    );
  });

  it('a hot row too large to send alone is set aside', () => {
    const huge: Row = { key: 'huge', version: 1n, value: 'x'.repeat(3000) };
    const sel = selectGossip(bulk(50), gzipRows([huge]).length - 1, { first: [huge] });
    assert.ok(sel !== undefined);
    assert.deepEqual(sel.oversizedRows, [huge]);
    assert.ok(!sel.rows.includes(huge));
  });
});

describe('p2ptbl Table: hot rows', () => {
  it('an update is sent first in the next K gossips, then cools down', async () => {
    const { path, t } = await coldTable('cool', 500, { hotSends: 2 });
    const before = await readFile(path);
    await t.update('fresh', 'new value');
    assert.deepEqual(await readHot(path), new Map([['fresh', 2]]));
    for (let i = 0; i < 2; i++) {
      const sel = await t.gossip(300);
      assert.equal(sel?.rows[0]?.key, 'fresh', `gossip ${i + 1} leads with the hot row`);
    }
    assert.equal((await readHot(path)).size, 0, 'cooled after K sends');
    await assert.rejects(readFile(hotPath(path)), { code: 'ENOENT' }, 'an empty sidecar is removed');
    // The table file is still exactly the canonical format: the sidecar lives beside it.
    const rows = parseTable(before.toString('latin1')).rows.concat();
    const now = await readFile(path, 'latin1');
    assert.equal(now, formatTable(parseTable(now).rows));
    assert.equal(parseTable(now).rows.length, rows.length + 1);
  });

  it('del and filter mark their rows hot; uniform gossip neither reads nor cools them', async () => {
    const { path, t } = await coldTable('delfilter', 20);
    await t.delete('row-00001');
    await t.filter('sed', ['s/^row-00002\t.*/row-00002\tchanged/']);
    const state = await readHot(path);
    assert.deepEqual([...state.keys()].sort(), ['row-00001', 'row-00002']);
    const sidecar = await readFile(hotPath(path));
    await t.gossip(100, { uniform: true });
    await new Table(path, { uniform: true }).gossip(100);
    assert.deepEqual(await readFile(hotPath(path)), sidecar, 'uniform gossip leaves the sidecar alone');
  });

  it('a merge that changes rows marks them hot (K-1 by default); a no-op merge does not', async () => {
    const { path, t } = await coldTable('merge', 10);
    const incoming = join(dir, 'incoming');
    await writeFile(
      incoming,
      'row-00003\t999999\tnewer\nrow-00004\t1\tolder\nrow-00005\t1005\tv5\nbrand-new\t7\tx\n',
    );
    const stats = await t.mergeFile(incoming);
    assert.equal(stats.changed, 2);
    assert.deepEqual(
      await readHot(path),
      new Map([
        ['brand-new', 2],
        ['row-00003', 2],
      ]),
    );
    const sidecar = await readFile(hotPath(path));
    await t.gossip(1000); // cools them to 1
    const cooled = await readFile(hotPath(path));
    assert.notDeepEqual(cooled, sidecar);
    assert.equal((await t.mergeFile(incoming)).changed, 0);
    assert.deepEqual(await readFile(hotPath(path)), cooled, 'a no-op merge marks nothing');
    const payload = gzipRows([{ key: 'row-00006', version: 5n, value: 'older' }]);
    assert.equal((await t.receive(payload)).changed, 0);
    assert.deepEqual(await readFile(hotPath(path)), cooled, 'a no-op receive marks nothing');
    assert.equal((await t.receive(gzipRows([{ key: 'r', version: 5n, value: 'new' }]))).changed, 1);
    assert.equal((await readHot(path)).get('r'), 2);
    const off = await coldTable('merge-off', 3, { mergeHotSends: 0 });
    await off.t.mergeFile(incoming);
    assert.equal((await readHot(off.path)).size, 0, 'mergeHotSends 0: merges never hot');
  });

  it('a missing, corrupt or unwritable sidecar is harmless', async () => {
    const { path, t } = await coldTable('corrupt', 30);
    await writeFile(hotPath(path), Buffer.from([0x1f, 0x8b, 0, 9, 10, 0xff, 0x09, 0x41]));
    const table = await readFile(path);
    const sel = await t.gossip(200);
    assert.ok(sel !== undefined && sel.rows.length > 0);
    assert.deepEqual(await readFile(path), table, 'the table is untouched');
    await t.update('k', 'v'); // replaces the corrupt sidecar
    assert.deepEqual(await readHot(path), new Map([['k', 3]]));
    // The sidecar path is a directory: it can be neither read nor replaced; everything still works.
    const { path: p2, t: t2 } = await coldTable('blocked', 30);
    await mkdir(hotPath(p2));
    await t2.update('k', 'v');
    assert.equal((await t2.get('k'))?.value, 'v');
    assert.ok((await t2.gossip(200)) !== undefined);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('blocked.tmp.')),
      [],
      'no temp file left behind',
    );
  });

  it('loses no update while gossips cool rows concurrently (10 processes x 10 updates)', async () => {
    const path = join(dir, 'concurrent');
    const t = new Table(path, { lockTimeoutMs: 60_000 });
    await t.init();
    const children = Array.from({ length: 10 }, (_, i) => runUpdater(path, `p${i}`, 10));
    const done = Promise.all(children.map(exited));
    let gossips = 0;
    const carried = new Map<string, number>();
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      if ((await t.read()).rows.length > 0) {
        for (const r of (await t.gossip(200))?.rows ?? []) carried.set(r.key, (carried.get(r.key) ?? 0) + 1);
        gossips++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(await done, Array(10).fill(0));
    const { rows } = await t.read();
    assert.equal(rows.length, 100);
    // Every row is hot for 3 sends less the gossips that carried it: no sidecar update was lost.
    assert.ok(gossips > 0);
    const state = await readHot(path);
    for (const r of rows)
      assert.equal(state.get(r.key) ?? 0, Math.max(0, 3 - (carried.get(r.key) ?? 0)), r.key);
    for (let g = 0; g < 20; g++) await t.gossip(1000);
    assert.equal((await readHot(path)).size, 0, 'all cooled after enough gossips');
  });
});

function runUpdater(table: string, prefix: string, count: number): ChildProcess {
  return spawn(NODE, [UPDATER, table, prefix, String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
