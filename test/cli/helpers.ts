import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
