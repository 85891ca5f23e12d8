import type { AbstractSublevel } from 'abstract-level';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { proximity } from '../overlay/address.ts';
import type { Level } from '../store/index.ts';
import { failStopOf } from '../store/level-guard.ts';
import { type SegmentEnd, SegmentLog } from '../store/segments.ts';
import { type Chunk, hex } from './chunk.ts';
import { ADDRESS_SIZE, BIN_COUNT, DEFAULT_CAPACITY_BYTES } from './constants.ts';
import { emptyUsage, type Usage } from './gc/codec.ts';
import { readLocated } from './gc/compact.ts';
import { type GcHost, maxEnd } from './gc/host.ts';
import { Collector, type GcStats, type PinInfo, pin, pins, unpin } from './gc/index.ts';
import type { WalkSource } from './gc/walk.ts';
import { assertValidChunks, GroupCommit } from './group-commit.ts';
import { subscribePull } from './pull-feed.ts';
import {
  BinWaiters,
  binKey,
  type ChunkStoreOptions,
  type Layout,
  type PullItem,
  type PutResult,
  parseEnd,
  parsePullValue,
  type StoreUsage,
  storageError,
} from './store-types.ts';

export type { GcStats, PinInfo } from './gc/index.ts';
export {
  type ChunkStoreOptions,
  ORIGIN_TAG_SIZE,
  originTag,
  type PullItem,
  type PutResult,
  type StoreUsage,
} from './store-types.ts';

type Sub<V> = AbstractSublevel<Level, unknown, string, V>;

/**
 * Content-addressed chunk store with a pull index: each new chunk gets the next bin ID of its bin
 * (proximity order of its address to this node's overlay), written in the same atomic batch as the
 * chunk and the bin's counter. The cursor of a bin is its highest bin ID; bin IDs start at 1.
 */
export class ChunkStore {
  readonly overlay: Uint8Array;
  readonly #chunks: Sub<Uint8Array>;
  readonly #pull: Sub<Uint8Array>;
  readonly #meta: Sub<string>;
  readonly #pins: Sub<Uint8Array>;
  readonly #roots: Sub<Uint8Array>;
  readonly #cursors: bigint[] = Array.from({ length: BIN_COUNT }, () => 0n);
  readonly #waiters: BinWaiters;
  /** The write path (group commit). */
  readonly #writes: GroupCommit;
  #opened = false;
  #opening: Promise<void> | undefined;
  readonly #dir: string | undefined;
  readonly #segmentBytes: number | undefined;
  #segments: SegmentLog | undefined;
  /** Committed segment end (`m!segend`); batches only move it forward. */
  #segend: SegmentEnd | undefined;
  /** Index batches (group commits, eviction, pins, compaction) run one after the other on this. */
  #chain: Promise<void> = Promise.resolve();
  readonly #usage: Usage = emptyUsage();
  readonly #gc: Collector;

  constructor(db: Level, options: ChunkStoreOptions) {
    if (options.overlay.length !== ADDRESS_SIZE) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'overlay address must be 32 bytes');
    }
    this.overlay = options.overlay;
    this.#waiters = new BinWaiters(options.clock);
    const root: Level = db.sublevel<string, string>(options.name ?? 'chunks', { keyEncoding: 'utf8' });
    this.#chunks = root.sublevel<string, Uint8Array>('c', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#pull = root.sublevel<string, Uint8Array>('p', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#meta = root.sublevel<string, string>('m', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    this.#pins = root.sublevel<string, Uint8Array>('n', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#roots = root.sublevel<string, Uint8Array>('r', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#dir = options.dir;
    this.#segmentBytes = options.segmentBytes;
    this.#writes = new GroupCommit({
      chunks: this.#chunks,
      pull: this.#pull,
      meta: this.#meta,
      usage: this.#usage,
      segments: () => this.#segments,
      exists: (keys) => this.#exists(keys),
      binOf: (address) => this.binOf(address),
      exclusive: (fn) => this.#exclusive(fn),
      segend: () => this.#segend,
      setSegend: (end) => {
        this.#segend = end;
      },
      afterPut: () => this.#gc.afterPut(),
      advance: (bin, id) => {
        if (id > this.#cursors[bin]!) this.#cursors[bin] = id;
        this.#waiters.wake(bin);
      },
    });
    this.#gc = new Collector(this.#host(), {
      capacityBytes: options.capacityBytes ?? DEFAULT_CAPACITY_BYTES,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  #host(): GcHost {
    return {
      overlay: this.overlay,
      chunks: this.#chunks,
      pull: this.#pull,
      meta: this.#meta,
      pins: this.#pins,
      roots: this.#roots,
      usage: this.#usage,
      log: () => this.#segments,
      exclusive: (fn) => this.#exclusive(fn),
      endAfter: (end) => maxEnd(this.#segend, end),
      cursor: (bin) => this.cursor(bin),
      busyFrom: () => this.#writes.busyFrom(),
      setEnd: (end) => {
        this.#segend = maxEnd(this.#segend, end);
      },
    };
  }

  /** Runs `fn` after the index batches before it and before those after it. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /**
   * Loads the per-bin counters and, with segment files, opens them at the committed end (a torn
   * tail cut). Idempotent.
   */
  open(): Promise<void> {
    if (this.#opened) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    try {
      for await (const [k, v] of this.#meta.iterator({ gte: 'cursor/', lt: 'cursor0' })) {
        const bin = Number.parseInt(k.slice(7), 10);
        if (bin >= 0 && bin < BIN_COUNT) this.#cursors[bin] = BigInt(v);
      }
      for (let b = 0; b < BIN_COUNT; b++) this.#writes.assigned[b] = this.#cursors[b]!;
      let layout = (await this.#meta.get('layout')) as Layout | undefined;
      if (layout === undefined) {
        const [any] = await this.#chunks.keys({ limit: 1 }).all();
        // a store written before segment files keeps its values (no migration)
        layout = this.#dir !== undefined && any === undefined ? 'segments' : 'values';
        await this.#meta.put('layout', layout);
      }
      if (layout === 'segments') {
        if (this.#dir === undefined) {
          throw new MurmurError(
            'MURMUR_CHUNKS_STORAGE',
            'chunk data are in segment files: a data folder is needed',
          );
        }
        const log = new SegmentLog(this.#dir, {
          ...(this.#segmentBytes === undefined ? {} : { segmentBytes: this.#segmentBytes }),
          guard: failStopOf(this.#chunks),
        });
        this.#segend = parseEnd(await this.#meta.get('segend'));
        await log.open(this.#segend);
        this.#segments = log;
      }
      await this.#gc.load();
    } catch (err) {
      throw storageError(err);
    }
    this.#opened = true;
  }

  /** True when chunk data are in segment files (else LevelDB values). */
  get segmented(): boolean {
    return this.#segments !== undefined;
  }

  /** Stored and pinned bytes and chunks against the capacity (exact; kept across restarts). */
  usage(): StoreUsage {
    return { ...this.#usage, capacityBytes: this.#gc.capacity, overCapacity: this.#gc.overCapacity };
  }

  /** Eviction and compaction counters since open. */
  gcStats(): GcStats {
    return { ...this.#gc.stats };
  }

  /** Resolves once no background eviction or compaction runs; `kick` asks for a pass first. */
  async idle(options: { kick?: boolean } = {}): Promise<void> {
    if (options.kick) this.#gc.kick();
    await this.#gc.idle();
  }

  /** Keeps chunks from being evicted until the returned release is called (an upload in progress). */
  hold(addresses: Uint8Array[]): () => void {
    return this.#gc.hold(addresses.map(hex));
  }

  /**
   * Pins the file tree under `root` (root, intermediate and data chunks): never evicted until
   * unpinned. Chunks not stored are asked of `fetch` (which stores what it finds); if some still
   * cannot be had nothing is pinned: MURMUR_CHUNKS_PIN_MISSING (details: count, first addresses).
   */
  async pin(
    root: Uint8Array,
    options: { signal?: AbortSignal; fetch?: WalkSource['get'] } = {},
  ): Promise<PinInfo> {
    await this.open();
    return pin(this.#gc, this.#source(options.fetch), root, options);
  }

  /** Unpins a root (MURMUR_CHUNKS_NOT_PINNED if it is not); chunks shared with other pins stay pinned. */
  async unpin(root: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<PinInfo> {
    await this.open();
    return unpin(this.#gc, this.#source(undefined), root, options);
  }

  /** The pinned roots with their chunk counts and bytes. */
  async pins(options: { signal?: AbortSignal } = {}): Promise<PinInfo[]> {
    throwIfAborted(options.signal);
    await this.open();
    return pins(this.#gc);
  }

  #source(fetch: WalkSource['get'] | undefined): WalkSource {
    return {
      get: async (a, o) => (await this.get(a)) ?? (fetch ? await fetch(a, o) : undefined),
      hasMany: (a) => this.hasMany(a),
    };
  }

  /** Closes the segment files (waits for a running write). The store can be opened again. */
  async close(): Promise<void> {
    await this.#opening?.catch(() => {});
    await this.#gc.stop();
    await this.#writes.idle();
    await this.#chain;
    this.#opened = false;
    const log = this.#segments;
    this.#segments = undefined;
    await log?.close();
  }

  /** The bin a chunk address falls into. */
  binOf(address: Uint8Array): number {
    return proximity(this.overlay, address);
  }

  /** Highest bin ID of every bin (0 = empty bin). */
  cursors(): bigint[] {
    return [...this.#cursors];
  }

  cursor(bin: number): bigint {
    return this.#cursors[bin] ?? 0n;
  }

  async has(address: Uint8Array): Promise<boolean> {
    if (address.length !== ADDRESS_SIZE) return false;
    try {
      return await this.#chunks.has(hex(address));
    } catch (err) {
      throw storageError(err);
    }
  }

  async get(address: Uint8Array): Promise<Uint8Array | undefined> {
    if (address.length !== ADDRESS_SIZE) return undefined;
    return (await this.getMany([address]))[0];
  }

  /** The data of each address (undefined where not stored): one index read, nearby data read together. */
  async getMany(addresses: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (addresses.length === 0) return [];
    await this.open();
    try {
      const keys = addresses.map(hex);
      const values = await this.#chunks.getMany(keys);
      const log = this.#segments;
      if (!log) return values;
      return await readLocated(log, this.#chunks, keys, values);
    } catch (err) {
      throw storageError(err);
    }
  }

  /**
   * The data of pull index entries: straight from the segment files where the entry carries its
   * location (no index read), through getMany for the others. Undefined where not stored. With
   * `into` the data read from segment files may be views of that buffer (see SegmentLog.read).
   */
  async readPulled(
    items: PullItem[],
    options: { into?: Uint8Array } = {},
  ): Promise<(Uint8Array | undefined)[]> {
    const log = this.#segments;
    if (!log || items.some((it) => it.location === undefined))
      return this.getMany(items.map((it) => it.address));
    try {
      const out = await log.read(
        items.map((it) => it.location),
        options,
      );
      // entries of a segment compacted since they were listed: read through the index
      const lost = out.flatMap((d, i) => (d === undefined ? [i] : []));
      if (lost.length === 0) return out;
      const again = await this.getMany(lost.map((i) => items[i]!.address));
      for (const [j, i] of lost.entries()) out[i] = again[j];
      return out;
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Which of the addresses are stored (one storage call). */
  async hasMany(addresses: Uint8Array[]): Promise<boolean[]> {
    if (addresses.length === 0) return [];
    try {
      return await this.#exists(addresses.map(hex));
    } catch (err) {
      throw storageError(err);
    }
  }

  /**
   * Which address keys are in the index. With segment files the values are 12-byte locations, so
   * a get per key costs no more than classic-level's hasMany, which seeks an iterator per key: a
   * seek for an absent key walks every deleted entry (tombstone) after it until LevelDB compacts
   * them away, and eviction leaves many. A get stops at the key (bloom filters).
   */
  async #exists(keys: string[]): Promise<boolean[]> {
    if (!this.#segments) return this.#chunks.hasMany(keys);
    return (await this.#chunks.getMany(keys)).map((v) => v !== undefined);
  }

  async put(chunk: Chunk, options: { verify?: boolean } = {}): Promise<PutResult> {
    return (await this.putMany([chunk], options))[0]!;
  }

  /**
   * Stores chunks atomically (one batch); already stored ones keep their bin ID. With `verify` (default
   * true) every chunk must hash to its address or MURMUR_CHUNKS_BAD_CHUNK is thrown and nothing stored.
   * `origin` (an `originTag`) marks the peer the chunks came from: pull-sync does not offer them back.
   */
  async putMany(
    chunks: Chunk[],
    options: { verify?: boolean; origin?: Uint8Array } = {},
  ): Promise<PutResult[]> {
    await this.open();
    if (options.verify !== false) assertValidChunks(chunks);
    return this.#writes.put(chunks, options.origin);
  }

  /** Up to `limit` entries of a bin with from <= binId <= to, in bin ID order. */
  async range(bin: number, from: bigint, to: bigint, limit: number): Promise<PullItem[]> {
    const out: PullItem[] = [];
    if (limit <= 0 || to < from || bin < 0 || bin >= BIN_COUNT) return out;
    const top = to > 0xffffffffffffffffn ? 0xffffffffffffffffn : to;
    try {
      const rows = await this.#pull.iterator({ gte: binKey(bin, from), lte: binKey(bin, top), limit }).all();
      for (const [k, v] of rows) out.push(parsePullValue(BigInt(`0x${k.slice(2)}`), v));
    } catch (err) {
      throw storageError(err);
    }
    return out;
  }

  /**
   * Resolves true once the bin's cursor exceeds `after`, false after `timeoutMs` (if given); throws
   * MURMUR_ABORTED on abort.
   */
  waitForBin(
    bin: number,
    after: bigint,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<boolean> {
    return this.#waiters.wait(bin, after, (b) => this.cursor(b), options);
  }

  /** Every entry of a bin from `from` on, then live ones (`pull-feed.ts`). */
  subscribePull(
    bin: number,
    from: bigint,
    to?: bigint,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<PullItem> {
    return subscribePull(this, bin, from, to, options);
  }
}
