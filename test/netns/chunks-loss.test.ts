/**
 * Chunks across real hosts with packet loss: two network namespaces on one bridge, 10 % of the packets
 * each host receives dropped (nftables). `murmur start` runs in each namespace (TCP on the host's IPv4
 * address, HBBP discovery on eth0, no bootstrap list); a 20 MiB file is put through `bin/murmur put` on
 * host 0 and fetched with `bin/murmur get … -o` on host 1, then compared by SHA-256.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MURMUR } from '../cli/helpers.ts';
import { createLan, type Host, type Lan, netnsSkip } from '../helpers/netns.ts';

const FILE_MIB = Number(process.env.NETNS_FILE_MIB ?? 20);
const LOSS_PERCENT = 10;

let lan: Lan | undefined;
const dirs: string[] = [];
after(async () => {
  await lan?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `murmur-nsloss-${tag}-`));
  dirs.push(d);
  return d;
}

interface NsDaemon {
  proc: ChildProcess;
  dir: string;
  output: () => string;
}

/** Starts `murmur start` inside a host and waits until its api.json names the child. */
async function startIn(host: Host, dir: string): Promise<NsDaemon> {
  const proc = host.spawn(
    MURMUR,
    [
      'start',
      '--data',
      dir,
      '--listen',
      `/ip4/${host.ipv4}/tcp/9021`,
      '--iface',
      host.iface,
      '--api',
      '127.0.0.1:9022',
      '--log-level',
      'warn',
      '--no-pretty',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = await readFile(join(dir, 'api.json'), 'utf8').catch(() => undefined);
    if (info !== undefined && JSON.parse(info).pid === proc.pid) return { proc, dir, output: () => out };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`murmur start did not come up in ${host.ns}:\n${out}`);
}

/** Runs `bin/murmur ARGS` inside a host; fails the test with its stderr on a non-zero exit. */
async function murmurIn(host: Host, args: string[], timeoutMs: number): Promise<string> {
  const r = await host.exec(MURMUR, args, { timeoutMs });
  assert.equal(r.code, 0, `murmur ${args.join(' ')} in ${host.ns}: ${r.stderr}`);
  return r.stdout;
}

async function activePeers(host: Host, dir: string): Promise<number> {
  const r = await host.exec(MURMUR, ['peers', '--json', '--data', dir], { timeoutMs: 10_000 });
  if (r.code !== 0) return 0;
  const peers = JSON.parse(r.stdout) as { state?: string }[] | { peers?: { state?: string }[] };
  const list = Array.isArray(peers) ? peers : (peers.peers ?? []);
  return list.filter((p) => p.state === 'active').length;
}

test(`a ${FILE_MIB} MiB file put on one host is fetched intact on another with ${LOSS_PERCENT}% loss`, {
  skip: netnsSkip(),
  timeout: 300_000,
}, async (t) => {
  lan = await createLan({ hosts: 2, name: 'chunkloss', ipv4: true });
  const [h0, h1] = lan.hosts as [Host, Host];
  for (const h of lan.hosts) await lan.setLoss(h.index, LOSS_PERCENT);
  const [d0, d1, work] = [tmp('a'), tmp('b'), tmp('work')];
  const daemons = [await startIn(h0, d0), await startIn(h1, d1)];

  const started = Date.now();
  const deadline = started + 60_000;
  while (!((await activePeers(h0, d0)) >= 1 && (await activePeers(h1, d1)) >= 1)) {
    if (Date.now() > deadline) {
      throw new Error(`hosts did not find each other:\n${daemons.map((d) => d.output()).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  t.diagnostic(`peers active after ${Date.now() - started} ms (HBBP on eth0, ${LOSS_PERCENT}% loss)`);

  const file = randomBytes(FILE_MIB * 2 ** 20);
  const want = createHash('sha256').update(file).digest('hex');
  const src = join(work, 'in.bin');
  writeFileSync(src, file);
  const t0 = Date.now();
  const root = (await murmurIn(h0, ['put', src, '--data', d0], 60_000)).trim();
  assert.match(root, /^[0-9a-f]{64}$/);
  const t1 = Date.now();
  const out = join(work, 'out.bin');
  await murmurIn(h1, ['get', root, '-o', out, '--data', d1], 120_000);
  const t2 = Date.now();
  const got = createHash('sha256').update(readFileSync(out)).digest('hex');
  assert.equal(got, want, 'the downloaded file has the uploaded SHA-256');
  t.diagnostic(`put ${t1 - t0} ms, get on the other host ${t2 - t1} ms (${FILE_MIB} MiB)`);
});
