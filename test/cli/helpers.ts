import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const MURMUR = new URL('../../bin/murmur', import.meta.url).pathname;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/murmur ARGS` to completion. */
export function murmur(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(MURMUR, args, { env: { ...process.env, ...env }, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Daemon {
  child: ChildProcess;
  dir: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `murmur start` on loopback with ephemeral ports and waits for its api.json. */
export async function startDaemon(dir: string, extra: string[] = []): Promise<Daemon> {
  const child = spawn(
    MURMUR,
    [
      'start',
      '--data',
      dir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--api',
      '127.0.0.1:0',
      '--no-pretty',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const daemon = { child, dir, output: () => out, exited };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = await readFile(join(dir, 'api.json'), 'utf8').catch(() => undefined);
    if (info !== undefined && JSON.parse(info).pid === child.pid) return daemon;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`murmur start did not come up:\n${out}`);
}

/**
 * The daemons and temporary folders of one test file: after the file's tests, running daemons get
 * SIGTERM (and are awaited) and the folders are removed. `tmp()` makes a folder named `<prefix>…`.
 */
export function daemonScope(prefix: string): { daemons: Daemon[]; tmp: () => Promise<string> } {
  const daemons: Daemon[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const d of daemons) {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        await d.exited;
      }
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tmp = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  return { daemons, tmp };
}

/** Polls `fn` every 50 ms (a rejection counts as false) until it holds; throws after `ms`. */
export async function poll(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
