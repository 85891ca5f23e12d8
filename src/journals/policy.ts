import { type Logger, silentLogger } from '../log/index.ts';
import type { JournalId } from './id.ts';
import { bytesEqual, type Writer } from './keys.ts';
import type { JournalStore } from './store.ts';

/**
 * Automatic snapshots of the journals this node writes (the original documented "after an interval or
 * event count" and never built it). Due when `everyEvents` events were appended since the last
 * snapshot, or `everyMs` passed since it and at least one event was appended.
 */
export interface SnapshotPolicy {
  everyEvents?: number;
  everyMs?: number;
  /** Builds the state after event `upTo` (e.g. folds the events since the previous snapshot). */
  state: (id: JournalId, upTo: number, options: { signal: AbortSignal }) => Promise<Uint8Array> | Uint8Array;
  /** Delete events ≤ upTo once the snapshot is stored (default true). */
  compact?: boolean;
}

export class AutoSnapshots {
  readonly stats = { snapshots: 0, failures: 0 };
  readonly #store: JournalStore;
  readonly #writer: Writer;
  readonly #policy: SnapshotPolicy;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #running = new Map<JournalId, Promise<void>>();
  readonly #stop = new AbortController();
  #unlisten: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    store: JournalStore;
    writer: Writer;
    policy: SnapshotPolicy;
    now?: () => number;
    logger?: Logger;
  }) {
    this.#store = options.store;
    this.#writer = options.writer;
    this.#policy = options.policy;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger;
  }

  /** Checks the count rule after every commit, and the time rule every `tickMs` (0: never, tests call tick()). */
  start(tickMs: number): void {
    this.#unlisten = this.#store.waiters.listen((id) => this.check(id));
    if (tickMs > 0 && this.#policy.everyMs !== undefined) {
      this.#timer = setInterval(() => this.tick(), tickMs);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#unlisten?.();
    if (this.#timer) clearInterval(this.#timer);
    this.#stop.abort();
    await this.settled();
  }

  /** Checks every own journal (time rule). */
  tick(): void {
    for (const j of this.#store.list()) this.check(j.id);
  }

  /** Resolves when no snapshot is being taken. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  check(id: JournalId): void {
    if (this.#running.has(id) || this.#stop.signal.aborted) return;
    const j = this.#store.info(id);
    if (!j || j.head <= j.snapshot || !bytesEqual(Buffer.from(j.writer, 'hex'), this.#writer.publicKey))
      return;
    const { everyEvents, everyMs } = this.#policy;
    const byCount = everyEvents !== undefined && j.head - j.snapshot >= everyEvents;
    const byTime = everyMs !== undefined && this.#now() - j.lastSnapshotTime >= everyMs;
    if (!byCount && !byTime) return;
    const run = this.#take(id, j.head).finally(() => this.#running.delete(id));
    this.#running.set(id, run);
  }

  async #take(id: JournalId, upTo: number): Promise<void> {
    try {
      const state = await this.#policy.state(id, upTo, { signal: this.#stop.signal });
      await this.#store.snapshot(id, this.#writer, { upTo, state, time: this.#now() });
      if (this.#policy.compact !== false) await this.#store.compact(id, upTo);
      this.stats.snapshots++;
      this.#log.debug({ id, upTo }, 'journals: automatic snapshot');
    } catch (err) {
      this.stats.failures++;
      this.#log.warn({ id, upTo, err }, 'journals: automatic snapshot failed');
    }
  }
}
