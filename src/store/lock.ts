import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import { LOCK_FILE } from './constants.ts';
import { isDiskFull } from './fail-stop.ts';

/** Whether a process with this pid exists (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive pid lock on a data folder: `<dir>/murmur.lock` created with O_EXCL holding our pid. A
 * lock file left by a dead process (kill -9) is taken over; one held by a live process other than ours
 * raises MURMUR_DATA_IN_USE. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } catch (err) {
        closeSync(fd);
        rmSync(path, { force: true });
        throw err;
      }
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        const cause = (err as Error).message;
        if (isDiskFull(err)) {
          throw new MurmurError(
            'MURMUR_DISK_FULL',
            `cannot create lock file ${path}, the disk is full: ${cause}`,
            {
              cause: err,
              details: { dataDir: dir, cause },
            },
          );
        }
        throw new MurmurError('MURMUR_IO', `cannot create lock file ${path}: ${cause}`, { cause: err });
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        // vanished or unreadable: retry
      }
      if (alive(holder)) {
        throw new MurmurError('MURMUR_DATA_IN_USE', `data folder ${dir} is in use by process ${holder}`, {
          details: { dataDir: dir, pid: holder },
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new MurmurError('MURMUR_DATA_IN_USE', `data folder ${dir} is in use (lock file keeps reappearing)`, {
    details: { dataDir: dir },
  });
}
