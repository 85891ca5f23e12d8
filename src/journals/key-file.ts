import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import { KEY_FILE_NAME } from './constants.ts';
import { type Writer, writerFromSeed } from './keys.ts';

/** The default journal key file of a data folder. */
export function journalKeyPath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

/** Parses a key file: 64 hex digits of an Ed25519 seed (whitespace ignored) or the 32 raw bytes. */
export function parseKeyFile(bytes: Uint8Array, path = 'key file'): Writer & { seed: Uint8Array } {
  const text = Buffer.from(bytes).toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return writerFromSeed(new Uint8Array(Buffer.from(text, 'hex')));
  if (bytes.length === 32) return writerFromSeed(new Uint8Array(bytes));
  throw new MurmurError('MURMUR_JOURNAL_BAD_KEY', `${path} is not 64 hex digits of an Ed25519 seed`, {
    details: { path },
  });
}

/**
 * The writer key of this node's journals: read from `path`, or created there (mode 0600, 64 hex digits
 * of a fresh seed) when `create` is true and the file does not exist.
 */
export async function loadOrCreateJournalKey(
  path: string,
  options: { create?: boolean } = {},
): Promise<Writer & { seed: Uint8Array }> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || options.create === false) {
      throw new MurmurError('MURMUR_JOURNAL_BAD_KEY', `cannot read the journal key ${path}`, {
        cause: err,
        details: { path },
      });
    }
  }
  if (bytes !== undefined) return parseKeyFile(bytes, path);
  const seed = new Uint8Array(randomBytes(32));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${Buffer.from(seed).toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    },
  );
  await chmod(path, 0o600);
  return parseKeyFile(await readFile(path), path);
}
