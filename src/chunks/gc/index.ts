import { type Clock, systemClock } from '../../clock/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { decodeLocation } from '../../store/segments.ts';
import { BIN_COUNT, LOW_WATER } from '../constants.ts';
import { decodeCount, decodePinCount, decodeUsage, encodeUsage } from './codec.ts';
import { compactPass } from './compact.ts';
import { evictPass } from './evict.ts';
import { Batch, type GcHost, type GcStats, type PassState } from './host.ts';

export type { GcStats } from './host.ts';

export { type PinInfo, pin, pins, unpin } from './pins.ts';

export interface CollectorOptions {
  /** Bytes of chunk data kept at most (0 = unlimited). */
  capacityBytes: number;
  logger?: Logger;
  /** Measures the passes (`monotonic`; default the system clock). */
  clock?: Clock;
}

/**
 * Background upkeep of a chunk store: eviction down to the low-water mark when over capacity
 * (farthest bin first, oldest first, pinned and held chunks never), then compaction of sealed
 * segments under half live. One pass at a time; kick() asks for another.
 */
export class Collector implements PassState {
  readonly host: GcHost;
  readonly capacity: number;
  readonly log: Logger;
  readonly stats: GcStats = {
    evictedChunks: 0,
    evictedBytes: 0,
    reclaimedBytes: 0,
    movedBytes: 0,
    segmentsCompacted: 0,
    evictMs: 0,
    compactMs: 0,
  };
  /** Bytes no longer referenced per segment (evicted or moved away), as stored in `m!segfree/<n>`. */
  readonly segFree = new Map<number, number>();
  /** Address hex → holders: chunks of running uploads and pins, not evicted meanwhile. */
  readonly held = new Map<string, number>();
  /**
   * Per bin, the lowest bin ID an eviction pass has not looked at: everything below it was evicted
   * or skipped as pinned or held. Passes start there instead of at 1, so they never walk the
   * deleted entries (LevelDB tombstones) of earlier passes again; an unpin or a released hold
   * starts them at 1 again.
   */
  readonly floor: bigint[] = Array.from({ length: BIN_COUNT }, () => 1n);
  /** True when the last eviction pass ended over the low-water mark (everything left pinned). */
  overCapacity = false;
  #stuckAt = 0;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #clock: Clock;

  constructor(host: GcHost, options: CollectorOptions) {
    this.host = host;
    this.#clock = options.clock ?? systemClock;
    this.capacity = Math.max(0, options.capacityBytes);
    this.log = options.logger ?? silentLogger;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get lowWater(): number {
    return Math.floor(this.capacity * LOW_WATER);
  }

  /**
   * Loads the counters (counted again from the indexes when missing or when a compaction was cut
   * short), deletes the files of segments whose removal a crash interrupted. Then a first pass.
   */
  async load(): Promise<void> {
    const h = this.host;
    const usage = decodeUsage(await h.meta.get('usage'));
    const cut = (await h.meta.get('compacting')) !== undefined;
    for await (const [k, v] of h.meta.iterator({ gte: 'segfree/', lt: 'segfree0' }))
      this.segFree.set(Number.parseInt(k.slice(8), 10), decodeCount(v));
    if (usage === undefined || cut) await this.#recount();
    else Object.assign(h.usage, usage);
    const log = h.log();
    for await (const k of h.meta.keys({ gte: 'segdead/', lt: 'segdead0' })) {
      const seg = Number.parseInt(k.slice(8), 10);
      if (log && seg < log.end.segment) await log.remove(seg);
      await h.meta.del(k);
    }
    this.#stopped = false;
    this.kick();
  }

  /** Counts stored bytes, chunks, pins and each segment's unreferenced bytes from the indexes. */
  async #recount(): Promise<void> {
    const h = this.host;
    const log = h.log();
    const u = h.usage;
    u.bytes = 0;
    u.chunks = 0;
    u.pinnedChunks = 0;
    u.pinnedBytes = 0;
    const live = new Map<number, number>();
    for await (const v of h.chunks.values()) {
      const loc = log ? decodeLocation(v) : undefined;
      const length = loc ? loc.length : v.length;
      if (loc) live.set(loc.segment, (live.get(loc.segment) ?? 0) + loc.length);
      u.bytes += length;
      u.chunks++;
    }
    for await (const v of h.pins.values()) {
      const p = decodePinCount(v);
      if (p.count === 0) continue;
      u.pinnedChunks++;
      u.pinnedBytes += p.length;
    }
    const b = new Batch();
    this.segFree.clear();
    for await (const k of h.meta.keys({ gte: 'segfree/', lt: 'segfree0' })) b.del(h.meta, k);
    if (log) {
      for (const [seg, size] of await log.sizes()) {
        const free = Math.max(0, size - (live.get(seg) ?? 0));
        this.segFree.set(seg, free);
        b.put(h.meta, `segfree/${seg}`, String(free));
      }
    }
    b.put(h.meta, 'usage', encodeUsage(u)).del(h.meta, 'compacting');
    await b.write(h.chunks);
  }

  /** After a group commit: evicts in the background when over capacity. */
  afterPut(): void {
    if (this.capacity === 0 || this.host.usage.bytes <= this.capacity) return;
    // everything left was pinned: try again once another tenth of the capacity came in
    if (this.overCapacity && this.host.usage.bytes - this.#stuckAt < this.capacity - this.lowWater) return;
    this.kick();
  }

  /** Asks for a pass (eviction if over capacity, then compaction). */
  kick(): void {
    if (this.#stopped) return;
    this.#again = true;
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  async #run(): Promise<void> {
    while (this.#again && !this.#stopped) {
      this.#again = false;
      try {
        if (this.capacity > 0 && this.host.usage.bytes > this.capacity) {
          const t = this.#clock.monotonic();
          this.overCapacity = await evictPass(this);
          this.stats.evictMs += this.#clock.monotonic() - t;
          this.#stuckAt = this.host.usage.bytes;
        } else if (this.host.usage.bytes <= this.lowWater || this.capacity === 0) {
          this.overCapacity = false;
        }
        const t = this.#clock.monotonic();
        await compactPass(this);
        this.stats.compactMs += this.#clock.monotonic() - t;
      } catch (err) {
        if (this.#stopped) return;
        this.log.warn({ err }, 'chunk store upkeep failed; retried on the next write');
      }
    }
  }

  /** After an unpin: chunks may be evictable again. */
  unpinned(): void {
    this.floor.fill(1n);
    this.overCapacity = false;
    this.#stuckAt = 0;
    if (this.capacity > 0 && this.host.usage.bytes > this.capacity) this.kick();
  }

  /** Resolves once no pass runs or is asked for. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Holds chunks (address hex) against eviction until the returned release is called. */
  hold(keys: Iterable<string>): () => void {
    const list = [...keys];
    for (const k of list) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.floor.fill(1n); // what was held may be evictable now
      for (const k of list) {
        const n = (this.held.get(k) ?? 1) - 1;
        if (n <= 0) this.held.delete(k);
        else this.held.set(k, n);
      }
    };
  }

  /** Stops asking for passes and waits for the running one (it stops between steps). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }
}
