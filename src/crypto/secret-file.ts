import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { syncDir } from '../files/index.ts';

/** The file operations writeSecretFile uses (tests replace some to inject failures). */
export interface SecretFileSystem {
  open: typeof open;
  rename: typeof rename;
  link: typeof link;
  unlink: typeof unlink;
}

export interface SecretFileOptions {
  signal?: AbortSignal;
  /** Leave an existing file alone (and return false) instead of replacing it. */
  exclusive?: boolean;
  /** File operations, node:fs/promises by default. */
  fs?: Partial<SecretFileSystem>;
}

const NODE_FS: SecretFileSystem = { open, rename, link, unlink };

/**
 * Writes a secret file (key, token, API address) atomically with mode 0600: the bytes go to a
 * temporary file in the same folder (created 0600), which is fsynced, then renamed over `path` (or,
 * with `exclusive`, hard-linked to it, which fails if `path` exists), then the folder is fsynced. A
 * crash or error at any step leaves either the old file or the new one, never a partial file; the
 * temporary file is removed on error. Returns false only when `exclusive` found `path` existing.
 * Errors: MURMUR_IO (cause: the file-system error), MURMUR_ABORTED (checked before the rename).
 */
export async function writeSecretFile(
  path: string,
  data: Uint8Array | string,
  options: SecretFileOptions = {},
): Promise<boolean> {
  const fs = { ...NODE_FS, ...options.fs };
  throwIfAborted(options.signal);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await fs.open(tmp, 'wx', 0o600);
    created = true;
    try {
      await fh.writeFile(data);
      await fh.chmod(0o600); // exact mode whatever the umask
      await fh.sync();
    } finally {
      await fh.close();
    }
    throwIfAborted(options.signal);
    if (options.exclusive === true) {
      try {
        await fs.link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
      await fs.unlink(tmp);
      created = false;
    } else {
      await fs.rename(tmp, path);
      created = false;
    }
    await syncDir(dir);
    return true;
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    throw new MurmurError('MURMUR_IO', `cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  } finally {
    if (created) await fs.unlink(tmp).catch(() => {});
  }
}
