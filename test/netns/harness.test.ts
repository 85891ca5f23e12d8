import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLan, type Lan, listNamespacesSync, netnsSkip } from '../helpers/netns.ts';

const UDP_TOOL = fileURLToPath(new URL('../helpers/netns-udp.ts', import.meta.url));
const NODE = process.execPath;
const PORT = 40_000;

interface RecvResult {
  count: number;
  from: string[];
  bytes: number[];
}

/**
 * Starts the receiving tool on `host`; resolves once it is bound, with a function that (after `settleMs`
 * for datagrams still in flight) ends the tool's stdin and returns what it counted.
 */
async function startRecv(lan: Lan, host: number, settleMs: number): Promise<() => Promise<RecvResult>> {
  const child: ChildProcess = lan.hosts[host]!.spawn(NODE, [UDP_TOOL, 'recv', String(PORT), '60000'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`recv exited early with ${code}`)));
  });
  await ready;
  return async () => {
    await new Promise((r) => setTimeout(r, settleMs));
    child.stdin?.end();
    if (child.exitCode === null) await once(child, 'exit');
    const line = out.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, `recv printed no result: ${out}`);
    return JSON.parse(line) as RecvResult;
  };
}

async function send(lan: Lan, host: number, addr: string, n: number): Promise<void> {
  const r = await lan.hosts[host]!.exec(NODE, [UDP_TOOL, 'send', addr, String(PORT), String(n)]);
  assert.equal(r.code, 0, r.stderr);
}

/** Sends n datagrams from `from` to `addr` and returns how many each of `to` received. */
async function exchange(lan: Lan, from: number, addr: string, to: number[], n: number): Promise<number[]> {
  const results = await Promise.all(to.map((h) => startRecv(lan, h, 300)));
  await send(lan, from, addr, n);
  return (await Promise.all(results.map((r) => r()))).map((r) => r.count);
}

describe('network-namespace harness', { skip: netnsSkip() }, () => {
  let lan: Lan;
  before(async () => {
    lan = await createLan({ hosts: 3, name: 'harness', ipv4: true });
  });
  after(async () => {
    await lan?.destroy();
  });

  test('hosts have eth0 with their fixed link-local and IPv4 addresses', async () => {
    for (const h of lan.hosts) {
      const r = await h.exec('ip', ['addr', 'show', 'dev', 'eth0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`inet6 ${h.linkLocal}/64 scope link`));
      assert.doesNotMatch(r.stdout, /tentative/);
      assert.match(r.stdout, new RegExp(`inet ${h.ipv4!.replaceAll('.', '\\.')}/24`));
    }
    assert.equal(lan.hosts[0]!.linkLocal, 'fe80::1');
  });

  test('link-local unicast and ff02::1 multicast reach the other hosts at once', async () => {
    const [uni] = await exchange(lan, 0, `${lan.hosts[1]!.linkLocal}%eth0`, [1], 5);
    assert.equal(uni, 5);
    const multi = await exchange(lan, 0, 'ff02::1%eth0', [1, 2], 5);
    assert.deepEqual(multi, [5, 5]);
  });

  test('setLoss drops roughly that share of incoming packets, 0 removes the rule', async () => {
    await lan.setLoss(1, 30);
    const [lossy, clean] = await exchange(lan, 0, 'ff02::1%eth0', [1, 2], 300);
    // 300 × 0.7 = 210 expected, σ ≈ 8: a wide band that still tells 30 % from 0 % and from 100 %.
    assert.ok(lossy! > 150 && lossy! < 270, `host 1 received ${lossy} of 300 at 30 % loss`);
    assert.ok(clean! >= 295, `host 2 (no loss) received only ${clean} of 300`);
    await lan.setLoss(1, 0);
    const [after0] = await exchange(lan, 0, 'ff02::1%eth0', [1], 50);
    assert.equal(after0, 50);
  });

  test('partition cuts the listed hosts off from the rest; heal restores', async () => {
    await lan.partition([0]);
    assert.deepEqual(await exchange(lan, 0, 'ff02::1%eth0', [1, 2], 5), [0, 0]);
    assert.deepEqual(await exchange(lan, 1, 'ff02::1%eth0', [0, 2], 5), [0, 5]);
    await lan.partition([0, 1]);
    assert.deepEqual(await exchange(lan, 0, 'ff02::1%eth0', [1, 2], 5), [5, 0]);
    await lan.heal();
    assert.deepEqual(await exchange(lan, 0, 'ff02::1%eth0', [1, 2], 5), [5, 5]);
  });

  test('exec reports exit codes and stdin; destroy kills spawned processes and leaves no namespace', async () => {
    const other = await createLan({ hosts: 2, name: 'destroy' });
    const r = await other.hosts[0]!.exec('sh', ['-c', 'cat; exit 3'], { input: 'hello' });
    assert.deepEqual([r.code, r.stdout], [3, 'hello']);
    const sleeper = other.hosts[1]!.spawn('sleep', ['60']);
    const exited = once(sleeper, 'exit');
    assert.ok(listNamespacesSync().some((n) => n.startsWith(other.name)));
    await other.destroy();
    await exited;
    assert.deepEqual(
      listNamespacesSync().filter((n) => n.startsWith(other.name)),
      [],
    );
    await other.destroy(); // idempotent
  });
});
