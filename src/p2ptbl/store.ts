/**
 * Reading and atomically replacing table files. Readers need no lock: a table is only ever replaced by
 * rename(2) of a complete, fsynced temp file, so a reader (or a crash, kill -9 included) sees the old
 * or the new table, never a torn one. Writers serialize on the table lock (./lock.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { syncDir } from '../files/index.ts';
import { MAX_TABLE_FILE_BYTES } from './constants.ts';
import { type LockOptions, lockTable } from './lock.ts';
import { formatTable, type ParseResult, parseTable, type Row } from './rows.ts';

function ioError(what: string, path: string, cause: unknown): MurmurError {
  return new MurmurError('MURMUR_IO', `${what} ${path}: ${(cause as Error).message}`, {
    cause,
    details: { path },
  });
}

/** Reads a whole file as a binary string, refusing files above `maxBytes`. */
export async function readBinaryFile(path: string, maxBytes = MAX_TABLE_FILE_BYTES): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MurmurError(
        'MURMUR_P2PTBL_NO_TABLE',
        `no table at ${path} (create it with: p2ptbl init ${path})`,
        {
          details: { path },
        },
      );
    }
    throw ioError('cannot open', path, err);
  }
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) {
      throw new MurmurError('MURMUR_P2PTBL_TOO_LARGE', `${path} is ${size} bytes, over the ${maxBytes} cap`, {
        details: { path, size, maxBytes },
      });
    }
    const buf = await fh.readFile();
    return buf.toString('latin1');
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    throw ioError('cannot read', path, err);
  } finally {
    await fh.close();
  }
}

/** Reads and parses a table (malformed lines are skipped and counted). */
export async function readTableFile(path: string): Promise<ParseResult> {
  return parseTable(await readBinaryFile(path));
}

export async function tableExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Creates the folder and an empty table if there is none; an existing table is left as it is. */
export async function createTableFile(path: string): Promise<boolean> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, 'wx', 0o644);
    await fh.sync();
    await fh.close();
    await syncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError('cannot create', path, err);
  }
}

function tempPrefix(path: string): string {
  return `${basename(path)}.tmp.`;
}

/** Removes temp files a killed writer left behind (call only while holding the table lock). */
async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.filter((n) => n.startsWith(prefix)).map((n) => unlink(join(dir, n)).catch(() => {})),
  );
}

/** Replaces the table with `rows`: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeTableFile(path: string, rows: readonly Row[]): Promise<void> {
  const tmp = join(dirname(path), `${tempPrefix(path)}${process.pid}.${randomBytes(4).toString('hex')}`);
  let mode = 0o644;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {}
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(Buffer.from(formatTable(rows), 'latin1'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw ioError('cannot write', path, err);
  }
  await syncDir(dirname(path));
}

export interface TransactOptions extends LockOptions {
  /** Create the table (and its folder) when missing instead of failing with MURMUR_P2PTBL_NO_TABLE. */
  create?: boolean;
  /**
   * Runs after a change was written (still under the lock) with the rows before and after, e.g. to
   * update the hot-rows sidecar. Not run when the change left the file untouched.
   */
  afterWrite?: (before: readonly Row[], after: readonly Row[]) => Promise<void>;
}

/** Runs `fn` under the table's exclusive lock (after removing a killed writer's temp files). */
export async function withTableLock<T>(
  path: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  throwIfAborted(opts.signal);
  if (!(await tableExists(path))) await readBinaryFile(path); // throws MURMUR_P2PTBL_NO_TABLE
  const release = await lockTable(path, opts);
  try {
    await removeStaleTemps(path);
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Read-modify-write under the exclusive lock. `change` gets the current rows and returns the new rows,
 * or `undefined` to leave the file untouched.
 */
export async function transact<T>(
  path: string,
  change: (current: ParseResult) => Promise<{ rows?: Row[]; result: T }> | { rows?: Row[]; result: T },
  opts: TransactOptions = {},
): Promise<T> {
  throwIfAborted(opts.signal);
  if (opts.create) await createTableFile(path);
  else if (!(await tableExists(path))) await readBinaryFile(path); // throws MURMUR_P2PTBL_NO_TABLE
  const release = await lockTable(path, opts);
  try {
    await removeStaleTemps(path);
    const current = await readTableFile(path);
    throwIfAborted(opts.signal);
    const { rows, result } = await change(current);
    if (rows !== undefined) {
      await writeTableFile(path, rows);
      await opts.afterWrite?.(current.rows, rows);
    }
    return result;
  } finally {
    await release();
  }
}
