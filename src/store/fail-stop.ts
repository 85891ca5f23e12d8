import { MurmurError } from '../errors/index.ts';

/**
 * Fail-stop for the node's storage (PostgreSQL's lesson from fsync errors): after one write or sync
 * of the store fails, nothing written on that handle is acknowledged again until the store has been
 * reopened. LevelDB does not stop by itself: a failed append to its log (ENOSPC) leaves a torn record
 * and the log writer's block offset past it, so every write acknowledged afterwards on the same
 * handle is dropped when the log is replayed at the next start. The guard sits in one place: the
 * root database's write methods (every service's sublevel writes through them) and the segment
 * files written next to LevelDB (src/store/segments.ts, the journals' logs).
 */

/** What the store is doing: `ok` acknowledges writes; `failed` and `reopening` refuse them. */
export type StoreState = 'ok' | 'failed' | 'reopening';

/** The store's health, as the node's status shows it. */
export interface StoreHealth {
  state: StoreState;
  /** MURMUR_DISK_FULL or MURMUR_STORE_FAILED while not `ok`. */
  code?: 'MURMUR_DISK_FULL' | 'MURMUR_STORE_FAILED';
  /** The first failure's message (the cause of the refusals). */
  reason?: string;
  /** When the store failed (ms since the epoch, the node's clock). */
  since?: number;
  /** Times the store was reopened after a failure since the node started. */
  reopens: number;
}

const FAILED_CODES: ReadonlySet<string> = new Set(['MURMUR_DISK_FULL', 'MURMUR_STORE_FAILED']);

/** True for the refusals of a failed store (MURMUR_DISK_FULL, MURMUR_STORE_FAILED). */
export function isStoreFailure(err: unknown): err is MurmurError {
  return err instanceof MurmurError && FAILED_CODES.has(err.code);
}

/** True when `err` (or a cause of it) is "no space left on device". */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const x = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (x.code === 'ENOSPC' || x.code === 'MURMUR_DISK_FULL') return true;
    if (typeof x.message === 'string' && /No space left on device|ENOSPC/i.test(x.message)) return true;
    e = x.cause;
  }
  return false;
}

/** The messages of `err` and its causes, joined (LevelDB's "Database failed to open" says nothing alone). */
export function causeText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const m = (e as { message?: unknown }).message;
    const text = typeof m === 'string' ? m : String(e);
    if (text !== '' && !parts.includes(text)) parts.push(text);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

/** The typed error of a failed store write: MURMUR_DISK_FULL for ENOSPC, else MURMUR_STORE_FAILED. */
export function storeFailure(err: unknown, where?: string): MurmurError {
  if (isStoreFailure(err)) return err;
  const cause = causeText(err);
  const details = where === undefined ? { cause } : { cause, where };
  if (isDiskFull(err)) {
    return new MurmurError(
      'MURMUR_DISK_FULL',
      `the disk is full${where === undefined ? '' : ` (${where})`}: the store is read-only until space is freed (${cause})`,
      { cause: err, details },
    );
  }
  return new MurmurError(
    'MURMUR_STORE_FAILED',
    `a store write failed${where === undefined ? '' : ` (${where})`}: the store is read-only until it is reopened (${cause})`,
    { cause: err, details },
  );
}

/**
 * The fail-stop state of one store handle. `run` wraps a write: refused at once while failed; a
 * failure marks the store failed; a write that overlapped another's failure is refused too (LevelDB
 * may have put it after the torn record).
 */
export class FailStop {
  #failure: MurmurError | undefined;
  #since: number | undefined;
  #reopening = false;
  #epoch = 0;
  #reopens = 0;
  #now: () => number;
  readonly #listeners = new Set<(err: MurmurError) => void>();

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Dates failures on this clock from now on (the node's). */
  useClock(now: () => number): void {
    this.#now = now;
  }

  /** The first failure, while the store is failed. */
  get failure(): MurmurError | undefined {
    return this.#failure;
  }

  health(): StoreHealth {
    const f = this.#failure;
    if (f === undefined) return { state: 'ok', reopens: this.#reopens };
    const reason = (f.details?.cause as string | undefined) ?? f.message;
    const out: StoreHealth = {
      state: this.#reopening ? 'reopening' : 'failed',
      code: f.code as 'MURMUR_DISK_FULL' | 'MURMUR_STORE_FAILED',
      reason,
      reopens: this.#reopens,
    };
    if (this.#since !== undefined) out.since = this.#since;
    return out;
  }

  /** Called once per failure (the first failed write after the store was ok). */
  onFailure(listener: (err: MurmurError) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Throws the store's refusal when it is failed. */
  check(): void {
    if (this.#failure !== undefined) throw this.#refusal();
  }

  /** Marks the store failed by `err` (the first failure is kept); returns the typed error to throw. */
  fail(err: unknown, where?: string): MurmurError {
    const typed = storeFailure(err, where);
    if (this.#failure === undefined) {
      this.#failure = typed;
      this.#since = this.#now();
      this.#epoch++;
      for (const l of this.#listeners) {
        try {
          l(typed);
        } catch {
          // a listener's fault is not the store's
        }
      }
    }
    return typed;
  }

  /** Runs one write under the guard. */
  async run<T>(write: () => Promise<T>, where?: string): Promise<T> {
    this.check();
    const epoch = this.#epoch;
    let out: T;
    try {
      out = await write();
    } catch (err) {
      throw this.fail(err, where);
    }
    if (this.#epoch !== epoch) throw this.#refusal();
    return out;
  }

  /** The store is being reopened (still refusing writes). */
  reopening(on: boolean): void {
    this.#reopening = on;
  }

  /** The store was reopened from what is on disk: writes are acknowledged again. */
  recovered(): void {
    this.#failure = undefined;
    this.#since = undefined;
    this.#reopening = false;
    this.#reopens++;
  }

  #refusal(): MurmurError {
    const f = this.#failure!;
    return new MurmurError(f.code, f.message, {
      cause: f.cause,
      details: f.details as Record<string, unknown>,
    });
  }
}
