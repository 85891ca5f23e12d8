import type { AbstractSublevel } from 'abstract-level';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { proximity } from '../overlay/address.ts';
import { encodeLocation, type SegmentEnd, type SegmentLocation, SegmentLog } from '../store/segments.ts';
import type { AnyLevel } from '../streamer/types.ts';
import { type Chunk, chunkAddress, equalBytes, hex, validSize } from './chunk.ts';
import { ADDRESS_SIZE, BIN_COUNT, DEFAULT_CAPACITY_BYTES } from './constants.ts';
import { emptyUsage, encodeUsage, type Usage } from './gc/codec.ts';
import { readLocated } from './gc/compact.ts';
import { encodeEnd, type GcHost, maxEnd } from './gc/host.ts';
import { Collector, type GcStats, type PinInfo, pin, pins, unpin } from './gc/index.ts';
import type { WalkSource } from './gc/walk.ts';
import {
  BinWaiters,
  binKey,
  type PullItem,
  type PutResult,
  parseEnd,
  parsePullValue,
  pullValue,
  storageError,
} from './store-types.ts';

export type { GcStats, PinInfo } from './gc/index.ts';
export { ORIGIN_TAG_SIZE, originTag, type PullItem, type PutResult } from './store-types.ts';

type Sub<V> = AbstractSublevel<AnyLevel, unknown, string, V>;

export interface ChunkStoreOptions {
  overlay: Uint8Array;
  /** Sublevel name (default `chunks`). */
  name?: string;
  /**
   * Folder of the segment files holding the chunk data (LevelDB then keeps only their locations);
   * without it the data are LevelDB values.
   */
  dir?: string;
  /** Segment file size before a new one is started (default 128 MiB). */
  segmentBytes?: number;
  /**
   * Bytes of chunk data kept (default 16 GiB, bee's 2^22-chunk reserve; 0 = unlimited). Over it the
   * store evicts in the background down to 90 %: farthest bin first, oldest first, never pinned.
   */
  capacityBytes?: number;
  logger?: Logger;
}

/** Stored bytes against the capacity (see ChunkStore.usage). */
export interface StoreUsage extends Usage {
  capacityBytes: number;
  /** Over the low-water mark with nothing left to evict (everything pinned or held). */
  overCapacity: boolean;
}

/** How chunk data are kept, recorded at the first open (`m/layout`). */
type Layout = 'values' | 'segments';

interface PutRequest {
  chunks: Chunk[];
  origin: Uint8Array | undefined;
  resolve: (r: PutResult[]) => void;
  reject: (err: unknown) => void;
}

/** A new chunk of a group being written. */
interface Fresh {
  chunk: Chunk;
  key: string;
  bin: number;
  binId: bigint;
  origin: Uint8Array | undefined;
}

/** A group after stage one (data appended), waiting for its index batch. */
interface Prepared {
  group: PutRequest[];
  results: PutResult[];
  fresh: Fresh[];
  /** Highest bin ID this group hands out, per bin it touches. */
  cursors: Map<number, bigint>;
  /** Segment location of each fresh chunk's data (segment layout). */
  locations: SegmentLocation[] | undefined;
  /** Segment end after this group's append. */
  end: SegmentEnd | undefined;
  /** Earlier groups storing chunks this group found in flight (it fails if one of them failed). */
  deps: Set<Prepared>;
  /** Committed or failed. */
  done: boolean;
  failed: boolean;
}

/** A group commit takes waiting writes up to about this many chunks. */
const GROUP_MAX_CHUNKS = 1024;

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
  readonly #waiters = new BinWaiters();
  /** Writes waiting for the running one; the next write takes them all (group commit). */
  #queue: PutRequest[] = [];
  /** Highest bin ID handed out per bin, including groups prepared but not yet committed. */
  readonly #assigned: bigint[] = Array.from({ length: BIN_COUNT }, () => 0n);
  /**
   * Addresses (hex) of the chunks of recent groups → their group. A group's keys stay until the
   * next prepare starts after it settled, so an existence check that began before a commit (and
   * could not see it) still finds them here.
   */
  readonly #pending = new Map<string, Prepared>();
  #writing: Promise<void> | undefined;
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
  /** Groups appending or appended but not committed → the segment their append started in. */
  readonly #appending = new Map<Prepared, number>();
  readonly #gc: Collector;

  constructor(db: AnyLevel, options: ChunkStoreOptions) {
    if (options.overlay.length !== ADDRESS_SIZE) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'overlay address must be 32 bytes');
    }
    this.overlay = options.overlay;
    const root: AnyLevel = db.sublevel<string, string>(options.name ?? 'chunks', { keyEncoding: 'utf8' });
    this.#chunks = root.sublevel<string, Uint8Array>('c', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#pull = root.sublevel<string, Uint8Array>('p', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#meta = root.sublevel<string, string>('m', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    this.#pins = root.sublevel<string, Uint8Array>('n', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#roots = root.sublevel<string, Uint8Array>('r', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#dir = options.dir;
    this.#segmentBytes = options.segmentBytes;
    this.#gc = new Collector(this.#host(), {
      capacityBytes: options.capacityBytes ?? DEFAULT_CAPACITY_BYTES,
      ...(options.logger ? { logger: options.logger } : {}),
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
      busyFrom: () => Math.min(Number.POSITIVE_INFINITY, ...this.#appending.values()),
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
      for (let b = 0; b < BIN_COUNT; b++) this.#assigned[b] = this.#cursors[b]!;
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
    while (this.#writing) await this.#writing;
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
    if (options.verify !== false) {
      for (const c of chunks) {
        if (!validSize(c.data) || !equalBytes(chunkAddress(c.data), c.address)) {
          throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', 'chunk data does not hash to its address', {
            details: { address: hex(c.address) },
          });
        }
      }
    }
    return new Promise<PutResult[]>((resolve, reject) => {
      this.#queue.push({ chunks, origin: options.origin, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#writing) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  /**
   * Group commit in two stages, pipelined: a group is prepared (existence check, bin IDs handed out,
   * data appended and synced to the segment files) while the group before it is committed (its
   * LevelDB batch written, cursors advanced, waiters woken). Commits run in order, so a cursor or
   * the segment end never goes back. The writes that queued up meanwhile form the next group: one
   * existence check, one synced append, one batch. Each caller's chunks are still
   * all-or-nothing (the group is).
   */
  async #drain(): Promise<void> {
    let previous: Promise<void> | undefined;
    while (this.#queue.length > 0) {
      let n = 0;
      let take = 0;
      while (take < this.#queue.length && (take === 0 || n < GROUP_MAX_CHUNKS)) {
        n += this.#queue[take]!.chunks.length;
        take++;
      }
      const group = this.#queue.splice(0, take);
      let prepared: Prepared;
      try {
        prepared = await this.#prepare(group);
      } catch (err) {
        for (const r of group) r.reject(err);
        continue;
      }
      // in the chain of index batches: after the previous group, never beside an eviction step
      const commit = this.#exclusive(() => this.#commit(prepared));
      commit.then(
        (results) => {
          for (const [i, r] of group.entries()) r.resolve(results[i]!);
        },
        (err: unknown) => {
          for (const r of group) r.reject(err);
        },
      );
      const settled = commit.then(
        () => {},
        () => {},
      );
      // at most one group is committed while the next is prepared
      if (previous) await previous;
      previous = settled;
    }
    if (previous) await previous;
  }

  /** Stage one of a group: which chunks are new, their bin IDs, their data appended and synced. */
  async #prepare(group: PutRequest[]): Promise<Prepared> {
    // groups that settled before this existence check starts are visible to it (or failed)
    for (const [key, g] of this.#pending) if (g.done) this.#pending.delete(key);
    const chunks = group.flatMap((r) => r.chunks);
    const origins = group.flatMap((r) => r.chunks.map(() => r.origin));
    const keys = chunks.map((c) => hex(c.address));
    const prepared: Prepared = {
      group,
      results: [],
      fresh: [],
      cursors: new Map(),
      locations: undefined,
      end: undefined,
      deps: new Set(),
      done: false,
      failed: false,
    };
    let existing: boolean[];
    try {
      existing = keys.length ? await this.#exists(keys) : [];
    } catch (err) {
      throw storageError(err);
    }
    const { results, fresh, cursors } = prepared;
    for (const [i, c] of chunks.entries()) {
      const bin = this.binOf(c.address);
      const key = keys[i]!;
      const other = this.#pending.get(key);
      if (existing[i] === true || (other !== undefined && !other.failed)) {
        // stored, or being stored by an earlier group: this group's commit waits for its outcome
        if (existing[i] !== true && other !== undefined && other !== prepared) prepared.deps.add(other);
        results.push({ stored: false, bin, binId: 0n });
        continue;
      }
      this.#pending.set(key, prepared);
      const binId = this.#assigned[bin]! + 1n;
      this.#assigned[bin] = binId;
      cursors.set(bin, binId);
      fresh.push({ chunk: c, key, bin, binId, origin: origins[i] });
      results.push({ stored: true, bin, binId });
    }
    const log = this.#segments;
    if (log && fresh.length > 0) {
      // registered before the append: compaction leaves this segment and later ones alone
      this.#appending.set(prepared, log.end.segment);
      try {
        // data on disk (synced) before the batch that indexes them
        prepared.locations = await log.append(fresh.map((f) => f.chunk.data));
        prepared.end = log.end;
      } catch (err) {
        prepared.failed = true;
        prepared.done = true;
        this.#appending.delete(prepared);
        throw storageError(err);
      }
    }
    return prepared;
  }

  /** Stage two: the LevelDB batch that makes a prepared group visible, then cursors and waiters. */
  async #commit(p: Prepared): Promise<PutResult[][]> {
    // one array batch on the root database with the sublevels' prefixes written out: the same keys
    // and values as sublevel puts, without abstract-level's per-operation sublevel work
    const pull = this.#pull.prefix;
    const data = this.#chunks.prefix;
    const meta = this.#meta.prefix;
    const ops: { type: 'put'; key: string; value: Uint8Array }[] = [];
    const text = new TextEncoder();
    for (const [i, f] of p.fresh.entries()) {
      const loc = p.locations?.[i];
      const location = loc ? encodeLocation(loc) : undefined;
      ops.push({
        type: 'put',
        key: pull + binKey(f.bin, f.binId),
        value: pullValue(f.chunk.address, f.origin, location),
      });
      ops.push({ type: 'put', key: data + f.key, value: location ?? f.chunk.data });
    }
    for (const [bin, id] of p.cursors)
      ops.push({ type: 'put', key: `${meta}cursor/${bin}`, value: text.encode(String(id)) });
    const end = p.end ? maxEnd(this.#segend, p.end) : undefined;
    if (end) ops.push({ type: 'put', key: `${meta}segend`, value: text.encode(encodeEnd(end)) });
    // the counters move in memory and go in the same batch (no read)
    const usage = this.#usage;
    let bytes = 0;
    for (const f of p.fresh) bytes += f.chunk.data.length;
    usage.bytes += bytes;
    usage.chunks += p.fresh.length;
    if (p.fresh.length > 0)
      ops.push({ type: 'put', key: `${meta}usage`, value: text.encode(encodeUsage(usage)) });
    try {
      // a chunk this group left to an earlier group is only stored if that group was
      for (const d of p.deps) {
        if (d.failed)
          throw new MurmurError('MURMUR_CHUNKS_STORAGE', 'an earlier write of the same chunks failed');
      }
      await this.#chunks.db.batch(ops, { keyEncoding: 'utf8', valueEncoding: 'view' });
    } catch (err) {
      p.failed = true;
      usage.bytes -= bytes;
      usage.chunks -= p.fresh.length;
      throw storageError(err);
    } finally {
      p.done = true;
      this.#appending.delete(p);
    }
    if (end) this.#segend = end;
    if (bytes > 0) this.#gc.afterPut();
    for (const [bin, id] of p.cursors) {
      if (id > this.#cursors[bin]!) this.#cursors[bin] = id;
      this.#waiters.wake(bin);
    }
    const out: PutResult[][] = [];
    let at = 0;
    for (const r of p.group) {
      out.push(p.results.slice(at, at + r.chunks.length));
      at += r.chunks.length;
    }
    return out;
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

  /**
   * Every entry of a bin from `from` on, then live entries as they are stored; ends after `to` (if
   * given) or on abort (MURMUR_ABORTED).
   */
  async *subscribePull(
    bin: number,
    from: bigint,
    to?: bigint,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<PullItem> {
    let cur = from;
    for (;;) {
      const top = this.cursor(bin);
      const page = await this.range(bin, cur, to ?? top, 256);
      for (const item of page) {
        yield item;
        cur = item.binId + 1n;
        if (to !== undefined && item.binId >= to) return;
      }
      if (page.length === 256) continue;
      if (to !== undefined && top >= to) return;
      await this.waitForBin(bin, cur - 1n, options);
    }
  }
}
