import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseTable } from '../../src/p2ptbl/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const P2PTBL = join(ROOT, 'bin/p2ptbl');
const RECV = join(ROOT, 'bin/p2ptbl-recv');

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  input?: Uint8Array,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(input);
  });
}

const p2ptbl = (...args: string[]) => run(P2PTBL, args);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2ptbl-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('p2ptbl command', () => {
  it('init, update, get, show, del, merge, filter, gossip -', async () => {
    const t = join(dir, 'tables', 'nodes');
    assert.equal((await p2ptbl('init', t)).code, 0);
    assert.equal((await p2ptbl('update', t, 'n1', 'fe80::1')).code, 0);
    assert.equal((await p2ptbl('update', t, 'n2', 'a', 'b')).code, 0, 'several values are tab-joined');
    assert.equal((await p2ptbl('update', t, 'n3', 'x\ty', '--lock-timeout', '5000')).code, 0);
    assert.equal((await p2ptbl('update', t, 'ü', 'ünïcode')).code, 0);
    assert.equal((await p2ptbl('get', t, 'n2')).stdout.toString(), 'a\tb\n');
    assert.equal((await p2ptbl('get', t, 'ü')).stdout.toString(), 'ünïcode\n');
    const none = await p2ptbl('get', t, 'absent');
    assert.equal(none.code, 0);
    assert.equal(none.stdout.length, 0);
    assert.equal(
      (await p2ptbl('show', t)).stdout.toString(),
      'n1\tfe80::1\nn2\ta\tb\nn3\tx\ty\nü\tünïcode\n',
    );

    assert.equal((await p2ptbl('del', t, 'n1')).code, 0);
    assert.equal((await p2ptbl('get', t, 'n1')).stdout.length, 0);
    assert.match(await readFile(t, 'utf8'), /^n1\t\d+\nn2\t\d+\ta\tb\n/);

    const other = join(dir, 'other');
    await writeFile(other, 'n9\t7\tmerged\nn2\t1\tstale\n');
    assert.equal((await p2ptbl('merge', t, other)).code, 0);
    assert.equal((await p2ptbl('get', t, 'n9')).stdout.toString(), 'merged\n');
    assert.equal((await p2ptbl('get', t, 'n2')).stdout.toString(), 'a\tb\n');

    assert.equal((await p2ptbl('filter', t, 'grep', '-v', '^n9')).code, 0);
    assert.equal((await p2ptbl('get', t, 'n9')).stdout.length, 0);

    const g = await p2ptbl('gossip', t, '500', '-');
    assert.equal(g.code, 0);
    assert.ok(g.stdout.length > 0 && g.stdout.length <= 500);
    const sent = parseTable(gunzipSync(g.stdout).toString('latin1'));
    assert.equal(sent.skipped, 0);
    assert.ok(
      sent.rows.some((r) => r.key === 'n1' && r.value === null),
      'tombstones are gossiped',
    );
  });

  it('gossip: nothing for an empty table; exit 1 with a clear error when no row fits', async () => {
    const t = join(dir, 'g');
    await p2ptbl('init', t);
    const empty = await p2ptbl('gossip', t, '500', '-');
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout.length, 0);
    await p2ptbl('update', t, 'k', 'a fairly long value that will not compress into twenty bytes');
    const tiny = await p2ptbl('gossip', t, '20', '-');
    assert.equal(tiny.code, 1);
    assert.match(tiny.stderr, /^p2ptbl: MURMUR_P2PTBL_NO_ROW_FITS: /);
  });

  it('errors print `p2ptbl: CODE: message` and exit 1', async () => {
    const r = await p2ptbl('update', join(dir, 'nope'), 'k', 'v');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^p2ptbl: MURMUR_P2PTBL_NO_TABLE: /);
  });

  it('reads a table written by the original tool and writes one it can read', async () => {
    const t = join(dir, 'legacy');
    await writeFile(t, 'zz\t65535\tlast\naa\t123456789012345678901234567890\tfirst\tsecond\n');
    assert.equal((await p2ptbl('get', t, 'aa')).stdout.toString(), 'first\tsecond\n');
    await p2ptbl('update', t, 'mm', 'middle');
    const text = await readFile(t, 'latin1');
    assert.match(
      text,
      /^aa\t123456789012345678901234567890\tfirst\tsecond\nmm\t\d+\tmiddle\nzz\t65535\tlast\n$/,
    );
    // What the original's `get` does: grep "^KEY<TAB>" | cut -f3-
    const viaShell = await run('sh', ['-c', `grep '^mm\t' '${t}' | cut -f3-`]);
    assert.equal(viaShell.stdout.toString(), 'middle\n');
  });
});

/** Binds a UDP6 socket on ::1 and collects datagrams. */
async function listener(): Promise<{ port: number; next: () => Promise<Buffer>; close: () => void }> {
  const sock = dgram.createSocket('udp6');
  const queue: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  sock.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  await new Promise<void>((resolve) => sock.bind(0, '::1', resolve));
  return {
    port: sock.address().port,
    next: () =>
      new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift() as Buffer) : waiters.push(resolve))),
    close: () => sock.close(),
  };
}

function splitDatagram(d: Buffer): [string, Buffer] {
  const nul = d.indexOf(0);
  return [d.subarray(0, nul).toString(), d.subarray(nul + 1)];
}

describe('p2ptbl broadcasts over HBBP', () => {
  it('update ... IFACE and del ... IFACE send the row at once; gossip T SIZE IFACE sends a datagram', async () => {
    const l = await listener();
    try {
      const t = join(dir, 'net', 'mesh');
      await p2ptbl('init', t);
      const net = ['--address', '::1', '--port', String(l.port)];
      assert.equal((await p2ptbl('update', t, 'k', 'v1', 'v2', 'lo', ...net)).code, 0);
      const [key, payload] = splitDatagram(await l.next());
      assert.equal(key, 'p2ptbl/mesh');
      const rows = parseTable(gunzipSync(payload).toString('latin1')).rows;
      assert.deepEqual(
        rows.map((r) => [r.key, r.value]),
        [['k', 'v1\tv2']],
        'lo is the interface, not a value',
      );
      assert.equal((await p2ptbl('del', t, 'k', 'lo', ...net)).code, 0);
      const [, stone] = splitDatagram(await l.next());
      assert.equal(parseTable(gunzipSync(stone).toString('latin1')).rows[0]?.value, null);
      await p2ptbl('update', t, 'other', 'x');
      assert.equal((await p2ptbl('gossip', t, '500', 'lo', ...net)).code, 0);
      const [gkey, gpayload] = splitDatagram(await l.next());
      assert.equal(gkey, 'p2ptbl/mesh');
      assert.equal(parseTable(gunzipSync(gpayload).toString('latin1')).rows.length, 2);
    } finally {
      l.close();
    }
  });
});

describe('p2ptbl-recv handler', () => {
  it('takes the table from its symlink name, creates it, merges gzip from stdin, rejects a gzip bomb', async () => {
    const handlers = join(dir, 'hbbp', 'p2ptbl');
    await mkdir(handlers, { recursive: true });
    const link = join(handlers, 'mesh');
    await symlink(RECV, link);
    const tables = join(dir, 'host-a');
    const env = { ...process.env, P2PTBL_DIR: tables };

    const ok = await run(link, [], gzipSync('n1\t5\tfe80::1\ngarbage line\nn2\t6\n'), env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /1 malformed skipped/);
    const before = await readFile(join(tables, 'mesh'), 'latin1');
    assert.equal(before, 'n1\t5\tfe80::1\nn2\t6\n');

    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    const rejected = await run(link, [], bomb, env);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /^p2ptbl-recv: MURMUR_P2PTBL_TOO_LARGE: /);
    const notGzip = await run(link, [], Buffer.from('plain text, not gzip'), env);
    assert.equal(notGzip.code, 1);
    assert.match(notGzip.stderr, /MURMUR_P2PTBL_BAD_GZIP/);
    assert.equal(await readFile(join(tables, 'mesh'), 'latin1'), before, 'table unchanged');

    const explicit = join(dir, 'explicit');
    const r = await run(RECV, ['--table', explicit], gzipSync('k\t1\tv\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(explicit, 'latin1'), 'k\t1\tv\n');
    const noName = await run(RECV, [], gzipSync('k\t1\tv\n'));
    assert.equal(noName.code, 1);
    assert.match(noName.stderr, /MURMUR_P2PTBL_BAD_TABLE_NAME/);
  });

  it('gossip - piped into p2ptbl-recv converges two tables', async () => {
    const a = join(dir, 'conv-a');
    const b = join(dir, 'conv-b');
    await p2ptbl('init', a);
    await p2ptbl('init', b);
    await p2ptbl('update', a, 'ka', '1');
    await p2ptbl('update', b, 'kb', '2');
    const ga = await p2ptbl('gossip', a, '1000', '-');
    const gb = await p2ptbl('gossip', b, '1000', '-');
    await run(RECV, ['--table', b], ga.stdout);
    await run(RECV, ['--table', a], gb.stdout);
    assert.deepEqual(await readFile(a), await readFile(b));
  });

  it('gossip sends hot rows first and cools them; --uniform leaves the sidecar alone; --hot-sends', async () => {
    const t = join(dir, 'hot');
    await p2ptbl('init', t);
    let cold = '';
    for (let i = 0; i < 300; i++) cold += `cold-${String(i).padStart(4, '0')}\t${1000 + i}\tvalue ${i}\n`;
    await writeFile(join(dir, 'cold'), cold);
    assert.equal((await p2ptbl('merge', t, join(dir, 'cold'), '--hot-sends', '0')).code, 0);
    await assert.rejects(readFile(`${t}.hot`), { code: 'ENOENT' }, '--hot-sends 0: nothing hot');
    assert.equal((await p2ptbl('update', t, 'fresh', 'row')).code, 0);
    assert.equal(await readFile(`${t}.hot`, 'latin1'), 'p2ptbl-hot 1\nfresh\t3\n');

    const uniform = await p2ptbl('gossip', '--uniform', t, '300', '-');
    assert.equal(uniform.code, 0, uniform.stderr);
    assert.ok(parseTable(gunzipSync(uniform.stdout).toString('latin1')).rows.length > 1);
    assert.equal(await readFile(`${t}.hot`, 'latin1'), 'p2ptbl-hot 1\nfresh\t3\n', 'uniform: untouched');

    const hot = await p2ptbl('gossip', t, '300', '-');
    assert.equal(hot.code, 0, hot.stderr);
    assert.match(gunzipSync(hot.stdout).toString('latin1'), /^fresh\t\d+\trow\n/, 'the hot row leads');
    assert.equal(await readFile(`${t}.hot`, 'latin1'), 'p2ptbl-hot 1\nfresh\t2\n', 'one send counted');

    // p2ptbl-recv: a row the payload changes is hot for K-1 sends; env P2PTBL_HOT_SENDS sets K.
    const r = join(dir, 'hot-recv');
    const env = { ...process.env, P2PTBL_HOT_SENDS: '5' };
    assert.equal((await run(RECV, ['--table', r], hot.stdout, env)).code, 0);
    const state = (await readFile(`${r}.hot`, 'latin1')).split('\n');
    assert.equal(state[0], 'p2ptbl-hot 1');
    assert.ok(state.includes('fresh\t4'), state.join('|'));
    assert.equal((await run(RECV, ['--table', r, '--hot-sends', '0'], gzipSync('new\t1\tv\n'))).code, 0);
    assert.ok(!(await readFile(`${r}.hot`, 'latin1')).includes('new\t'));
  });
});
