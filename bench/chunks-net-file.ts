/**
 * `murmur put` / `murmur get` of a large file through the real path: two daemons (`bin/murmur start`,
 * LevelDB, loopback TCP), the CLI as a separate process streaming to / from the API. Reports MB/s and
 * peak RSS (VmHWM from /proc) of the CLI processes and of the daemons:
 *   - put on A;
 *   - get on A (local chunks: API + joiner + CLI streaming to disk);
 *   - get on B connected to A (chunks fetched over the network: retrieval, pull-sync running meanwhile).
 * `FILE_MB=n` sets the size (default 100). Linux only (reads /proc).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiClient } from '../src/api/index.ts';
import { type Daemon, MURMUR, murmur, startDaemon } from '../test/cli/helpers.ts';
import { printTable } from './chunks-net-common.ts';

/** Peak resident set of a live process (MiB), from /proc/PID/status VmHWM; undefined once gone. */
function peakRssOf(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Math.round(Number(m[1]) / 1024);
  } catch {
    return undefined;
  }
}

/** Runs bin/murmur ARGS, sampling its peak RSS until it exits. */
function runCli(args: string[]): Promise<{ ms: number; stdout: string; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(MURMUR, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const sample = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, peakRssOf(child.pid) ?? 0);
    }, 20);
    child.on('exit', (code) => {
      clearInterval(sample);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`murmur ${args.join(' ')} failed (${code}): ${stderr}`));
      else resolve({ ms, stdout, peakMiB: peak });
    });
  });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const part of createReadStream(path)) h.update(part as Buffer);
  return h.digest('hex');
}

export async function run(): Promise<Record<string, unknown>> {
  const mb = Number(process.env.FILE_MB ?? 100);
  const size = mb * 2 ** 20;
  const root = mkdtempSync(join(tmpdir(), 'murmur-bench-cli-'));
  const [da, db] = [join(root, 'a'), join(root, 'b')];
  const daemons: Daemon[] = [];
  try {
    const src = join(root, 'in.bin');
    const inHash = createHash('sha256');
    const block = randomBytes(2 ** 20);
    const parts: Buffer[] = [];
    for (let i = 0; i < mb; i++) {
      block.writeUInt32LE(i, 0);
      inHash.update(block);
      parts.push(Buffer.from(block));
    }
    writeFileSync(src, Buffer.concat(parts));
    parts.length = 0;
    const want = inHash.digest('hex');

    const a = await startDaemon(da);
    daemons.push(a);
    const b = await startDaemon(db);
    daemons.push(b);
    const pidA = a.child.pid ?? 0;
    const pidB = b.child.pid ?? 0;
    const idleA = peakRssOf(pidA);
    const idleB = peakRssOf(pidB);
    const rows: Record<string, unknown>[] = [];
    const row = (what: string, ms: number, cli: number, daemon: number | undefined): void => {
      rows.push({
        what,
        seconds: +(ms / 1000).toFixed(2),
        mb_per_s: +(size / 1e6 / (ms / 1000)).toFixed(1),
        cli_peak_rss_mib: cli,
        daemon_peak_rss_mib: daemon,
      });
    };

    const put = await runCli(['put', src, '--data', da]);
    const addr = put.stdout.trim();
    row('put on A', put.ms, put.peakMiB, peakRssOf(pidA));

    const outA = join(root, 'out-a.bin');
    const getA = await runCli(['get', addr, '-o', outA, '--data', da]);
    if ((await sha256File(outA)) !== want) throw new Error('get on A: file differs');
    rmSync(outA);
    row('get on A (local chunks)', getA.ms, getA.peakMiB, peakRssOf(pidA));

    const statusA = await (await ApiClient.fromDataDir(da)).status();
    const addrA = statusA.addresses.find((x) => x.includes('/ip4/127.0.0.1/'));
    if (addrA === undefined) throw new Error('A has no loopback address');
    const conn = await murmur(['connect', addrA, '--data', db]);
    if (conn.code !== 0) throw new Error(`connect: ${conn.stderr}`);
    const outB = join(root, 'out-b.bin');
    const getB = await runCli(['get', addr, '-o', outB, '--data', db]);
    if ((await sha256File(outB)) !== want) throw new Error('get on B: file differs');
    rmSync(outB);
    row('get on B (over the network)', getB.ms, getB.peakMiB, peakRssOf(pidB));
    return {
      mib: mb,
      rows,
      put_mb_per_s: rows[0]?.mb_per_s,
      get_local_mb_per_s: rows[1]?.mb_per_s,
      get_network_mb_per_s: rows[2]?.mb_per_s,
      cli_peak_rss_mib: Math.max(put.peakMiB, getA.peakMiB, getB.peakMiB),
      daemon_idle_rss_mib: Math.max(idleA ?? 0, idleB ?? 0),
      daemon_a_peak_rss_mib: peakRssOf(pidA),
      daemon_b_peak_rss_mib: peakRssOf(pidB),
    };
  } finally {
    for (const d of daemons) {
      if (d.child.exitCode === null) {
        d.child.kill('SIGTERM');
        await d.exited;
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  printTable(r.rows as Record<string, unknown>[]);
  console.log(`\ndaemon peak RSS when idle after start: ${r.daemon_idle_rss_mib} MiB`);
}
