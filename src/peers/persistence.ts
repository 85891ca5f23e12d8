import { throwIfAborted } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { type Entry, fromRecord, toRecord } from './entry.ts';
import { decodeRecord, encodeRecord } from './record.ts';
import type { Clock, PeerStoreLevel, TimerHandle } from './types.ts';

const OPTS = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;

/**
 * Write-behind persistence of peer entries: one key per peer id (UTF-8), value = encoded record.
 * Changes are batched and written at most every `flushMs`, and on flush().
 */
export class PeerPersistence {
  readonly #db: PeerStoreLevel;
  readonly #clock: Clock;
  readonly #flushMs: number;
  readonly #log: Logger;
  readonly #pending = new Map<string, Entry | null>();
  #timer: TimerHandle | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(db: PeerStoreLevel, clock: Clock, flushMs: number, log: Logger) {
    this.#db = db;
    this.#clock = clock;
    this.#flushMs = flushMs;
    this.#log = log;
  }

  /** Reads every stored peer; corrupt records are logged, deleted and skipped. */
  async load(options: { signal?: AbortSignal } = {}): Promise<Entry[]> {
    const out: Entry[] = [];
    const bad: string[] = [];
    for await (const [key, value] of this.#db.iterator(OPTS)) {
      throwIfAborted(options.signal);
      try {
        const record = decodeRecord(value);
        if (record.peerId !== key) throw new Error('key does not match peer id');
        out.push(fromRecord(record));
      } catch (err) {
        this.#log.warn({ key, err }, 'dropping corrupt peer record');
        bad.push(key);
      }
    }
    if (bad.length > 0) await this.#db.batch(bad.map((key) => ({ type: 'del' as const, key, ...OPTS })));
    return out;
  }

  save(entry: Entry): void {
    this.#pending.set(entry.peerId, entry);
    this.#schedule();
  }

  remove(peerId: string): void {
    this.#pending.set(peerId, null);
    this.#schedule();
  }

  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = this.#writing.then(() => this.#write());
    await this.#writing;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#writing.then(() => this.#write());
    }, this.#flushMs);
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const ops = [...this.#pending].map(([key, entry]) =>
      entry === null
        ? { type: 'del' as const, key, ...OPTS }
        : { type: 'put' as const, key, value: encodeRecord(toRecord(entry)), ...OPTS },
    );
    this.#pending.clear();
    try {
      await this.#db.batch(ops);
    } catch (err) {
      this.#log.error({ err }, 'could not persist peers');
    }
  }
}
