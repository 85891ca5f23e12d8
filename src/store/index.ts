import './codes.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';
import { ClassicLevel } from 'classic-level';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { DB_DIR, META_FORMAT_KEY, type NamespaceName, STORE_FORMAT_VERSION } from './constants.ts';

export { type NamespaceName, STORE_FORMAT_VERSION, SUBLEVELS, type SublevelName } from './constants.ts';
export { lockDataDir } from './lock.ts';

/** Any abstract-level database murmur accepts (classic-level on disk, memory-level in tests). */
// biome-ignore lint/suspicious/noExplicitAny: abstract-level's format parameter is opaque here
export type Level = AbstractLevel<any, any, any>;
/** A module's namespace: utf8 string keys, binary values. */
export type Sublevel = AbstractSublevel<Level, unknown, string, Uint8Array>;

export interface OpenStoreOptions {
  /** Data folder; LevelDB lives in `<dataDir>/db`. Required unless `level` is given. */
  dataDir?: string;
  /** Use this database instead of opening LevelDB (it is opened if needed, and closed by close()). */
  level?: Level;
  signal?: AbortSignal;
}

/** The node's storage: one database, one sublevel per module, a format record in `meta`. */
export class MurmurStore {
  readonly db: Level;
  readonly #subs = new Map<NamespaceName, Sublevel>();

  constructor(db: Level) {
    this.db = db;
  }

  /** The namespace of the node's own modules (`meta`, `peers`) or of a service (keys utf8, values Uint8Array). */
  sublevel(name: NamespaceName): Sublevel {
    let sub = this.#subs.get(name);
    if (sub === undefined) {
      sub = this.db.sublevel<string, Uint8Array>(name, {
        keyEncoding: 'utf8',
        valueEncoding: 'view',
      });
      this.#subs.set(name, sub);
    }
    return sub;
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }
}

function levelError(err: unknown, dataDir: string | undefined): MurmurError {
  const code = (err as { code?: string; cause?: { code?: string } }).code;
  const causeCode = (err as { cause?: { code?: string } }).cause?.code;
  if (code === 'LEVEL_LOCKED' || causeCode === 'LEVEL_LOCKED') {
    return new MurmurError('MURMUR_DATA_IN_USE', `data folder ${dataDir} is in use by another process`, {
      cause: err,
      details: { dataDir },
    });
  }
  return new MurmurError('MURMUR_STORE_OPEN', `cannot open the store: ${(err as Error).message}`, {
    cause: err,
    details: { dataDir },
  });
}

async function checkFormat(store: MurmurStore): Promise<void> {
  const meta = store.sublevel('meta');
  const raw = await meta.get(META_FORMAT_KEY);
  if (raw === undefined) {
    const record = JSON.stringify({ version: STORE_FORMAT_VERSION });
    await meta.put(META_FORMAT_KEY, new TextEncoder().encode(record));
    return;
  }
  let version: unknown;
  try {
    version = (JSON.parse(new TextDecoder().decode(raw)) as { version?: unknown }).version;
  } catch (err) {
    throw new MurmurError('MURMUR_STORE_FORMAT', 'the store format record is unreadable', { cause: err });
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new MurmurError('MURMUR_STORE_FORMAT', 'the store format record is malformed', {
      details: { version },
    });
  }
  if (version > STORE_FORMAT_VERSION) {
    throw new MurmurError(
      'MURMUR_STORE_FORMAT',
      `the store has format ${version}, newer than this murmur supports (${STORE_FORMAT_VERSION}); upgrade murmur`,
      { details: { version, supported: STORE_FORMAT_VERSION } },
    );
  }
}

/**
 * Opens the node's store: the given abstract-level database, or classic-level in `<dataDir>/db`.
 * Checks (or writes) the format version. A second process on the same folder gets MURMUR_DATA_IN_USE.
 */
export async function openStore(options: OpenStoreOptions): Promise<MurmurStore> {
  throwIfAborted(options.signal);
  let db = options.level;
  if (db === undefined) {
    if (options.dataDir === undefined) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'openStore needs a dataDir or a level database');
    }
    const location = join(options.dataDir, DB_DIR);
    mkdirSync(location, { recursive: true, mode: 0o700 });
    db = new ClassicLevel<string, Uint8Array>(location, { valueEncoding: 'view' });
  }
  try {
    if (db.status !== 'open') await db.open();
  } catch (err) {
    throw levelError(err, options.dataDir);
  }
  const store = new MurmurStore(db);
  try {
    await checkFormat(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
