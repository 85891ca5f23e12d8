import { join } from 'node:path';
import { decodeKeyFile, loadOrCreateKeyFile } from '../crypto/key-file.ts';
import type { SeededSigner } from '../crypto/signer.ts';
import { MurmurError } from '../errors/index.ts';
import { KEY_FILE_NAME } from './constants.ts';
import { writerFromSeed } from './keys.ts';

/** The default journal key file of a data folder. */
export function journalKeyPath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

/**
 * Parses a key file: src/crypto's one key-file format (docs/STORAGE.md), or the older 64 hex digits
 * of an Ed25519 seed (whitespace ignored) or 32 raw bytes.
 */
export function parseKeyFile(bytes: Uint8Array, path = 'key file'): SeededSigner {
  return writerFromSeed(decodeKeyFile(bytes, { path, code: 'MURMUR_JOURNAL_BAD_KEY' }).privateKey);
}

/**
 * The writer key of this node's journals: read from `path` (any key-file format), or created there
 * (0600, atomic, the current format) when `create` is not false and the file does not exist.
 */
export async function loadOrCreateJournalKey(
  path: string,
  options: { create?: boolean; signal?: AbortSignal } = {},
): Promise<SeededSigner> {
  try {
    const pair = await loadOrCreateKeyFile(path, { ...options, code: 'MURMUR_JOURNAL_BAD_KEY' });
    return writerFromSeed(pair.privateKey);
  } catch (err) {
    if (err instanceof MurmurError && err.code !== 'MURMUR_IO') throw err;
    throw new MurmurError('MURMUR_JOURNAL_BAD_KEY', `cannot read or create the journal key ${path}`, {
      cause: err instanceof MurmurError && err.cause !== undefined ? err.cause : err,
      details: { path },
    });
  }
}
