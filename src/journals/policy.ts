import { fromHex } from '../bytes/index.ts';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
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
  /**
   * Builds the state after event `upTo` (e.g. folds the events since the previous snapshot, read
   * through `store`; see fold.ts for the built-in `{e, p}` fold).
   */
  state: (
    id: JournalId,
    upTo: number,
    options: { signal: AbortSignal; store: JournalStore },
  ) => Promise<Uint8Array> | Uint8Array;
  /** Delete events ≤ upTo once the snapshot is stored (default true). */
  compact?: boolean;
}

export class AutoSnapshots {
  readonly stats = { snapshots: 0, failures: 0 };
  readonly #store: JournalStore;
  readonly #writer: Writer;
  readonly #policy: SnapshotPolicy;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #running = new Map<JournalId, Promise<void>>();
  /** Head and time of the last failed attempt per journal: the rules count again from there. */
  readonly #failed = new Map<JournalId, { head: number; time: number }>();
  readonly #stop = new AbortController();
  #unlisten: (() => void) | undefined;
  #timer: TimerHandle | undefined;

  constructor(options: {
    store: JournalStore;
    writer: Writer;
    policy: SnapshotPolicy;
    /** Time of the time rule and of snapshots, and the tick timer (default `systemClock`). */
    clock?: Clock;
    logger?: Logger;
  }) {
    this.#store = options.store;
    this.#writer = options.writer;
    this.#policy = options.policy;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  /** Checks the count rule after every commit, and the time rule every `tickMs` (0: never, tests call tick()). */
  start(tickMs: number): void {
    this.#unlisten = this.#store.waiters.listen((id) => this.check(id));
    if (tickMs > 0 && this.#policy.everyMs !== undefined) {
      this.#timer = this.#clock.setInterval(() => this.tick(), tickMs);
    }
  }

  async stop(): Promise<void> {
    this.#unlisten?.();
    if (this.#timer !== undefined) this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
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
    if (!j || j.head <= j.snapshot || !bytesEqual(fromHex(j.writer), this.#writer.publicKey)) return;
    const { everyEvents, everyMs } = this.#policy;
    // after a failure (state too large, bad previous state…) wait for the rule to hold again from
    // the failed attempt rather than retrying after every commit
    const failed = this.#failed.get(id);
    const base = {
      head: Math.max(j.snapshot, failed?.head ?? 0),
      time: Math.max(j.lastSnapshotTime, failed?.time ?? 0),
    };
    const byCount = everyEvents !== undefined && j.head - base.head >= everyEvents;
    const byTime = everyMs !== undefined && this.#clock.now() - base.time >= everyMs;
    if (!byCount && !byTime) return;
    const run = this.#take(id, j.head).finally(() => {
      this.#running.delete(id);
      this.check(id); // events committed while this snapshot was taken may make the next one due
    });
    this.#running.set(id, run);
  }

  async #take(id: JournalId, upTo: number): Promise<void> {
    try {
      const state = await this.#policy.state(id, upTo, { signal: this.#stop.signal, store: this.#store });
      await this.#store.snapshot(id, this.#writer, { upTo, state, time: this.#clock.now() });
      if (this.#policy.compact !== false) await this.#store.compact(id, upTo);
      this.#failed.delete(id);
      this.stats.snapshots++;
      this.#log.debug({ id, upTo, bytes: state.length }, 'journals: automatic snapshot');
    } catch (err) {
      if (this.#stop.signal.aborted) return;
      this.#failed.set(id, { head: upTo, time: this.#clock.now() });
      this.stats.failures++;
      const code = (err as { code?: unknown }).code;
      this.#log.warn(
        { id, upTo, code, err },
        `journals: automatic snapshot of ${id} at ${upTo} skipped: ${(err as Error).message}`,
      );
    }
  }
}
