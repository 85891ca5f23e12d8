import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import type { MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { DB_DIR, STORE_REOPEN_MARGIN_BYTES, STORE_RETRY_MS } from './constants.ts';
import { isDiskFull } from './fail-stop.ts';

/** What the recovery needs of the store. */
export interface RecoveryTarget {
  readonly dataDir: string | undefined;
  readonly failed: boolean;
  readonly failure: MurmurError | undefined;
  reopen(): Promise<void>;
}

export interface RecoveryOptions {
  clock?: Clock;
  logger?: Logger;
  /** Between two checks of a failed store (default STORE_RETRY_MS). */
  retryMs?: number;
  /** Free bytes wanted beyond LevelDB's logs before a disk-full store is reopened. */
  marginBytes?: number;
  /** The store could not be reopened: the node should exit for its supervisor to restart it. */
  onFatal?: (err: unknown) => void;
  /** The store was reopened and acknowledges writes again. */
  onRecovered?: () => void;
}

/** Free bytes of the file system holding `dir`; undefined where it cannot be told. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Bytes of LevelDB's write-ahead logs (what a reopen turns into a table first). */
async function logBytes(dbDir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dbDir).catch(() => [] as string[])) {
    if (!name.endsWith('.log')) continue;
    total += await stat(join(dbDir, name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

/**
 * Reopens a failed store on a timer of the node's clock: a store that failed for lack of space once
 * the file system has room for LevelDB's replay (its logs plus a margin), any other failure at the
 * first check. A reopen that fails is fatal (`onFatal`): the node exits and its supervisor restarts it.
 */
export class StoreRecovery {
  readonly #store: RecoveryTarget;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #o: RecoveryOptions;
  #timer: TimerHandle | undefined;
  #busy: Promise<void> | undefined;
  #stopped = false;

  constructor(store: RecoveryTarget, options: RecoveryOptions = {}) {
    this.#store = store;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  /** The store failed: checks start (once per failure). */
  failed(err: MurmurError): void {
    if (this.#stopped) return;
    this.#log.error(
      { code: err.code, err: err.message, dataDir: this.#store.dataDir },
      'store write failed: writes are refused until the store is reopened',
    );
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#busy = this.#check().finally(() => {
        this.#busy = undefined;
      });
    }, this.#o.retryMs ?? STORE_RETRY_MS);
  }

  async #check(): Promise<void> {
    if (this.#stopped || !this.#store.failed) return;
    const dir = this.#store.dataDir;
    if (dir !== undefined && isDiskFull(this.#store.failure)) {
      const free = await freeBytes(dir);
      const need = (await logBytes(join(dir, DB_DIR))) + (this.#o.marginBytes ?? STORE_REOPEN_MARGIN_BYTES);
      if (free !== undefined && free < need) {
        this.#log.debug({ free, need }, 'disk still full: the store stays read-only');
        this.#schedule();
        return;
      }
    }
    if (this.#stopped) return;
    try {
      await this.#store.reopen();
    } catch (err) {
      if (this.#stopped) return;
      this.#log.error({ err, dataDir: dir }, 'the store cannot be reopened');
      this.#o.onFatal?.(err);
      return;
    }
    this.#log.info({ dataDir: dir }, 'store reopened: writes are acknowledged again');
    this.#o.onRecovered?.();
  }

  /** No more checks; waits for one running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#busy;
  }
}
