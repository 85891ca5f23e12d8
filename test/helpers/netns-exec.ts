/**
 * Process helpers for the network-namespace harness (./netns.ts): run a command and collect its
 * output, run one inside a namespace, and the synchronous clean-up used on process exit.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the child's stdin, which is then closed (stdin is closed at once without it). */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child (SIGKILL) after this long; default 30 s so a stuck tool cannot hang a test. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** Runs `cmd args…` to completion and resolves with its exit code and output (never rejects on a non-zero code). */
export function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the child may exit before reading all its input
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like run(), but rejects with the command line and stderr when the exit code is not 0. */
export async function runOk(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (code ${r.code}, signal ${r.signal}): ${r.stderr.trim()}`,
    );
  }
  return r.stdout;
}

/** Runs `ip netns exec NS cmd args…` (ip execs the command, so the child is the command itself). */
export function runIn(ns: string, cmd: string, args: readonly string[], opts: ExecOptions = {}) {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function runInOk(ns: string, cmd: string, args: readonly string[], opts: ExecOptions = {}) {
  return runOk('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/**
 * Spawns `cmd args…` inside namespace NS as the leader of its own process group, so that killing the
 * group also ends what it started (handlers of a listener, say).
 */
export function spawnIn(
  ns: string,
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...opts, detached: true });
}

/** Kills a process group (falls back to the process) with SIGKILL; ignores ones already gone. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Synchronous, best-effort: kills every process still inside NS, then deletes NS. Safe in an exit handler. */
export function deleteNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    for (const p of pids.split('\n')) {
      const pid = Number.parseInt(p, 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // raced with its exit
        }
      }
    }
  } catch {
    // namespace already gone
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Names of all existing network namespaces (`ip netns list`). */
export function listNamespacesSync(): string[] {
  try {
    const out = execFileSync('ip', ['netns', 'list'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n !== '');
  } catch {
    return [];
  }
}

/** True if a process with this pid exists (signal 0 probe). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Counts the processes inside each of the given namespaces with one scan of /proc (what
 * `ip netns pids` does, without starting a process per namespace).
 */
export async function countProcessesIn(namespaces: readonly string[]): Promise<number[]> {
  const { readdir, readlink, stat } = await import('node:fs/promises');
  const ids = await Promise.all(
    namespaces.map(async (ns) => `net:[${(await stat(`/var/run/netns/${ns}`)).ino}]`),
  );
  const counts = namespaces.map(() => 0);
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (pid) => {
      const link = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
      const i = ids.indexOf(link);
      if (i >= 0) counts[i] = (counts[i] ?? 0) + 1;
    }),
  );
  return counts;
}
