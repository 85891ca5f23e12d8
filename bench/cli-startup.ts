/**
 * CLI start-up: wall time of `murmur status`, `murmur kv get` and `murmur --version` against a running
 * node, compiled (dist/, what an installed package runs) and from source (type stripping, the checkout),
 * each against `node -e 0` as the floor, over repeated runs (hyperfine-style: warm-up, then the
 * median, p90 and mean of N runs, alternated so load changes hit all commands alike).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { Daemon } from '../src/daemon/index.ts';
import { silentLogger } from '../src/log/index.ts';
import { treeKind } from '../src/tree/kind.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const RUNS = 25;
const exec = promisify(execFile);

const stats = (xs: number[]): { medianMs: number; p90Ms: number; meanMs: number } => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { medianMs: r(at(0.5)), p90Ms: r(at(0.9)), meanMs: r(xs.reduce((a, b) => a + b, 0) / xs.length) };
};

export async function run(): Promise<Record<string, unknown>> {
  execFileSync(node, [join(root, 'scripts', 'build.ts')], { stdio: 'ignore' });
  const dir = await mkdtemp(join(tmpdir(), 'murmur-bench-cli-'));
  const data = join(dir, 'data');
  const config = await loadConfig({
    flags: { data, listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' },
    env: {},
  });
  const tree = await treeKind.create({
    dataDir: data,
    config: treeKind.configure({}),
    logger: silentLogger,
    env: {},
  });
  const daemon = new Daemon({ config, services: [tree] });
  await daemon.start();
  try {
    const compiled = join(root, 'dist', 'src', 'cli', 'murmur.js');
    const source = join(root, 'src', 'cli', 'murmur.ts');
    // child processes are awaited, never run synchronously: the node they ask runs in this process
    await exec(node, [compiled, 'kv', 'put', '/bench', 'x', '--data', data]);
    const commands: Record<string, string[]> = {
      floor: ['-e', '0'],
      'status (compiled)': [compiled, 'status', '--data', data],
      'kv get (compiled)': [compiled, 'kv', 'get', '/bench', '--data', data],
      '--version (compiled)': [compiled, '--version'],
      'status (source)': [source, 'status', '--data', data],
      'kv get (source)': [source, 'kv', 'get', '/bench', '--data', data],
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let i = -3; i < RUNS; i++) {
      for (const [name, args] of Object.entries(commands)) {
        const t0 = performance.now();
        await exec(node, args).catch((err: Error) => {
          throw new Error(`${name} failed: ${err.message}`);
        });
        const ms = performance.now() - t0;
        if (i >= 0) times[name]!.push(ms);
      }
    }
    const out: Record<string, unknown> = { runs: RUNS };
    const floor = stats(times.floor!).medianMs;
    for (const [name, xs] of Object.entries(times)) {
      const s = stats(xs);
      out[name] = name === 'floor' ? s : { ...s, overFloorMs: Math.round((s.medianMs - floor) * 10) / 10 };
    }
    return out;
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
