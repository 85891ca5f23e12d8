import './codes.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';
import { ClassicLevel } from 'classic-level';
import type { Clock } from '../clock/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { DB_DIR, META_FORMAT_KEY, type NamespaceName, STORE_FORMAT_VERSION } from './constants.ts';
import { causeText, type FailStop, isDiskFull, type StoreHealth } from './fail-stop.ts';
import { failStopOf, guardLevel } from './level-guard.ts';
import { StoreRecovery } from './recovery.ts';

export { type NamespaceName, STORE_FORMAT_VERSION, SUBLEVELS, type SublevelName } from './constants.ts';
export {
  FailStop,
  isDiskFull,
  isStoreFailure,
  type StoreHealth,
  type StoreState,
  storeFailure,
} from './fail-stop.ts';
export { failStopOf, guardLevel } from './level-guard.ts';
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

/** How a failed store is brought back (see MurmurStore.startRecovery). */
export interface StoreRecoveryOptions {
  clock?: Clock;
  logger?: Logger;
  /** Between two checks of a failed store (default STORE_RETRY_MS). */
  retryMs?: number;
  /** The store could not be reopened: the node should exit for its supervisor. */
  onFatal?: (err: unknown) => void;
  /** A failure (once per failure) and a recovery, for the node's events. */
  onHealth?: (health: StoreHealth) => void;
}

/**
 * The node's storage: one database, one sublevel per module, a format record in `meta`. Its writes
 * are fail-stop (src/store/fail-stop.ts): after one fails, every write is refused with
 * MURMUR_DISK_FULL / MURMUR_STORE_FAILED until the store is reopened; reads keep working.
 */
export class MurmurStore {
  readonly db: Level;
  readonly dataDir: string | undefined;
  readonly guard: FailStop;
  readonly #subs = new Map<NamespaceName, Sublevel>();
  /** Every sublevel made on the database, nested ones too, in creation order (reopened in it). */
  readonly #allSubs = new Set<{ open(): Promise<void> }>();
  #recovery: StoreRecovery | undefined;
  #unsubscribe: (() => void) | undefined;
  #reopening: Promise<void> | undefined;

  constructor(db: Level, options: { dataDir?: string } = {}) {
    this.db = db;
    this.dataDir = options.dataDir;
    this.guard = failStopOf(db) ?? guardLevel(db);
    const all = this.#allSubs;
    // every sublevel made from now on, nested ones too (reopened after a failure)
    const onSub = (sub: Level): void => {
      all.add(sub);
      sub.hooks.newsub.add(onSub);
    };
    db.hooks.newsub.add(onSub);
  }

  get failed(): boolean {
    return this.guard.failed;
  }

  get failure(): MurmurError | undefined {
    return this.guard.failure;
  }

  health(): StoreHealth {
    return this.guard.health();
  }

  /**
   * Closes and opens the database again (LevelDB replays what its log holds on disk and starts a
   * new log), reopens the sublevels, then acknowledges writes again. Writes stay refused meanwhile;
   * reads during the reopen may fail with LevelDB's "not open".
   */
  reopen(): Promise<void> {
    this.#reopening ??= this.#reopen().finally(() => {
      this.#reopening = undefined;
    });
    return this.#reopening;
  }

  async #reopen(): Promise<void> {
    this.guard.reopening(true);
    try {
      if (this.db.status === 'open') await this.db.close();
      await this.db.open();
      // closing the database closed its sublevels: parents first (a sublevel opens on an open parent)
      for (const sub of this.#allSubs) await sub.open();
    } catch (err) {
      this.guard.reopening(false);
      throw levelError(err, this.dataDir);
    }
    this.guard.recovered();
  }

  /** Reopens the store on the clock's timer after a failure (until close()). */
  startRecovery(options: StoreRecoveryOptions = {}): void {
    if (this.#recovery !== undefined) return;
    const { onHealth, ...rest } = options;
    const clock = options.clock;
    if (clock !== undefined) this.guard.useClock(() => clock.now());
    const recovery = new StoreRecovery(this, {
      ...rest,
      onRecovered: () => onHealth?.(this.health()),
    });
    this.#recovery = recovery;
    this.#unsubscribe = this.guard.onFailure((err) => {
      recovery.failed(err);
      onHealth?.(this.health());
    });
  }

  /** Stops the recovery timer (waits for a reopen under way). */
  async stopRecovery(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const r = this.#recovery;
    this.#recovery = undefined;
    await r?.stop();
    await this.#reopening?.catch(() => {});
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
    await this.stopRecovery();
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
  const cause = causeText(err);
  if (isDiskFull(err)) {
    return new MurmurError('MURMUR_DISK_FULL', `cannot open the store, the disk is full: ${cause}`, {
      cause: err,
      details: { dataDir, cause },
    });
  }
  return new MurmurError('MURMUR_STORE_OPEN', `cannot open the store: ${cause}`, {
    cause: err,
    details: { dataDir, cause },
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
  const store = new MurmurStore(db, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  try {
    await checkFormat(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
