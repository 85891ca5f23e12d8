/**
 * The exclusive per-table write lock. Primary: a kernel flock(2) on `<table>.lock`, taken by the
 * flock(1) tool on a file descriptor this process shares with it (flock locks belong to the open file
 * description, so the lock stays ours after the tool exits). The kernel drops it when this process
 * dies, kill -9 included; it is the same lock the original shell tool used. Fallback where flock(1) is
 * missing (or env MURMUR_P2PTBL_LOCK=pidfile): a `<table>.pidlock` file holding the owner's pid,
 * created atomically with link(2), broken (under a breaker lock) when that pid is dead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { link, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { LOCK_POLL_MS, LOCK_TIMEOUT_MS } from './constants.ts';

export interface LockOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Releases a held lock; idempotent. */
export type ReleaseLock = () => Promise<void>;

let flockPath: string | null | undefined;

function findFlock(): string | null {
  if (flockPath !== undefined) return flockPath;
  flockPath = null;
  if (process.env.MURMUR_P2PTBL_LOCK === 'pidfile') return null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir || '.', 'flock');
    try {
      accessSync(candidate, fsConstants.X_OK);
      flockPath = candidate;
      break;
    } catch {}
  }
  return flockPath;
}

function lockedError(path: string, timeoutMs: number): MurmurError {
  return new MurmurError('MURMUR_P2PTBL_LOCKED', `could not lock ${path} within ${timeoutMs} ms`, {
    details: { path, timeoutMs },
  });
}

/** Takes the exclusive lock of the table at `tablePath`; resolves with its release function. */
export async function lockTable(tablePath: string, opts: LockOptions = {}): Promise<ReleaseLock> {
  throwIfAborted(opts.signal);
  const timeoutMs = opts.timeoutMs ?? LOCK_TIMEOUT_MS;
  const flock = findFlock();
  if (flock !== null) return flockLock(flock, `${tablePath}.lock`, timeoutMs, opts.signal);
  return pidLock(`${tablePath}.pidlock`, timeoutMs, opts.signal);
}

async function flockLock(
  flock: string,
  lockPath: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ReleaseLock> {
  const fh = await open(lockPath, 'a', 0o644);
  let released = false;
  const release: ReleaseLock = async () => {
    if (released) return;
    released = true;
    await fh.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(flock, ['-x', '3'], { stdio: ['ignore', 'ignore', 'ignore', fh.fd] });
      let why: MurmurError | undefined;
      const stop = (err: MurmurError): void => {
        why = err;
        child.kill('SIGKILL');
      };
      const onAbort = (): void => stop(new MurmurError('MURMUR_ABORTED', 'lock wait aborted'));
      const timer = setTimeout(() => stop(lockedError(lockPath, timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(new MurmurError('MURMUR_IO', `cannot run ${flock}: ${err.message}`, { cause: err }));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (code === 0 && why === undefined) resolve();
        else reject(why ?? new MurmurError('MURMUR_IO', `flock exited with ${code}`));
      });
    });
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt(await readFile(path, 'latin1'), 10);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates `path` holding `content` only if it does not exist, atomically and never empty: the content
 * is written to a private temp file first, then hard-linked into place (link fails with EEXIST).
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, content, { mode: 0o644 });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new MurmurError('MURMUR_IO', `cannot create ${path}`, { cause: err });
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * Removes the lock of a dead holder. Breakers are serialised by a second lock file (`.break`), and
 * the holder is read again under it: nobody can create the main lock while the dead one exists and
 * only a breaker removes it, so what is unlinked is always the dead holder's. A breaker killed inside
 * its few-microsecond section leaves a `.break` of a dead pid, which the next breaker removes.
 */
async function breakStaleLock(lockPath: string, token: string): Promise<void> {
  const breaker = `${lockPath}.break`;
  if (await createExclusive(breaker, token)) {
    try {
      const holder = await readPid(lockPath);
      if (holder !== undefined && !pidAlive(holder)) await unlink(lockPath).catch(() => {});
    } finally {
      await unlink(breaker).catch(() => {});
    }
    return;
  }
  const busy = await readPid(breaker);
  if (busy !== undefined && !pidAlive(busy)) await unlink(breaker).catch(() => {});
}

async function pidLock(
  lockPath: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ReleaseLock> {
  const deadline = Date.now() + timeoutMs;
  const token = `${process.pid}\n`;
  for (;;) {
    throwIfAborted(signal);
    if (await createExclusive(lockPath, token)) {
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if ((await readPid(lockPath)) === process.pid) await unlink(lockPath).catch(() => {});
      };
    }
    const holder = await readPid(lockPath);
    if (holder !== undefined && !pidAlive(holder)) {
      await breakStaleLock(lockPath, token);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(lockPath, timeoutMs);
    await sleep(LOCK_POLL_MS + Math.floor(Math.random() * LOCK_POLL_MS));
  }
}
