import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { keyPairToJson } from '../../src/tree/keyfile.ts';
import { generateKeyPair } from '../../src/tree/keys.ts';
import { until } from '../helpers/cluster.ts';

const SCRIPT = new URL('./tree-process.ts', import.meta.url).pathname;
const procs: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  peerId: string;
  addresses: string[];
  last: { count: number; hash: string };
  acked: string[];
  lines: Record<string, unknown>[];
  exited: Promise<unknown>;
}

function start(env: Record<string, string>): Promise<Proc> {
  const proc = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tree process did not start: ${err}`)), 60_000);
    const p: Partial<Proc> = { proc, last: { count: 0, hash: '' }, acked: [], lines: [], exited };
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      p.lines!.push(m);
      if (m.ready === true) {
        clearTimeout(timer);
        p.peerId = m.peerId as string;
        p.addresses = m.addresses as string[];
        resolve(p as Proc);
      } else if (typeof m.count === 'number') p.last = { count: m.count, hash: m.hash as string };
      else if (typeof m.acked === 'string') p.acked!.push(m.acked);
    });
    proc.once('exit', (code) => reject(new Error(`tree process exited ${code}: ${err}`)));
  });
}

test('kill -9 during reconciliation: nothing acknowledged is lost and the next session completes', async () => {
  const [da, db] = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'murmur-tree-kill-'))));
  dirs.push(da!, db!);
  const rootKey = JSON.stringify(keyPairToJson(generateKeyPair()));
  const total = 10_000;
  const a = await start({ MURMUR_DATA: da!, TREE_ROOT: rootKey, TREE_SEED: String(total) });
  await until(() => a.last.count === total, { timeoutMs: 60_000, what: 'seeded' });
  const boot = a.addresses.find((x) => x.includes('127.0.0.1'))!;
  const b = await start({
    MURMUR_DATA: db!,
    TREE_ROOT: rootKey,
    MURMUR_BOOTSTRAP: boot,
    TREE_WRITE_MS: '10',
  });
  await until(() => b.last.count > total * 0.1, { timeoutMs: 60_000, what: 'sync under way' });
  const atKill = b.last.count;
  b.proc.kill('SIGKILL');
  await b.exited;
  assert.ok(atKill < total, `killed mid-session (${atKill} of ${total})`);
  assert.ok(b.acked.length > 0, 'B acknowledged some writes of its own');
  const expect = join(db!, 'expect.txt');
  await writeFile(expect, `${b.acked.join('\n')}\n`);

  const b2 = await start({
    MURMUR_DATA: db!,
    TREE_ROOT: rootKey,
    MURMUR_BOOTSTRAP: boot,
    TREE_EXPECT: expect,
  });
  const check = b2.lines.find((l) => typeof l.missing === 'number');
  assert.deepEqual(check, { expected: b.acked.length, missing: 0 });
  await until(() => b2.last.hash !== '' && b2.last.hash === a.last.hash, {
    timeoutMs: 60_000,
    what: 'equal root hashes after restart',
  });
  assert.equal(b2.last.count, a.last.count);
  assert.ok(a.last.count >= total + b.acked.length, 'A got every acknowledged write of B');
  process.stdout.write(
    `kill -9 mid-sync: ${atKill}/${total} records held at the kill, ${b.acked.length} acked writes kept\n`,
  );
  for (const p of [a, b2]) p.proc.kill('SIGTERM');
  await Promise.all([a.exited, b2.exited]);
});
