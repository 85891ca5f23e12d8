import type { AbstractSublevel } from 'abstract-level';
import { MurmurError } from '../errors/index.ts';
import type { Level } from '../store/index.ts';
import { encodeLocation, type SegmentEnd, type SegmentLocation, type SegmentLog } from '../store/segments.ts';
import { type Chunk, chunkAddress, equalBytes, hex, validSize } from './chunk.ts';
import { BIN_COUNT } from './constants.ts';
import { encodeUsage, type Usage } from './gc/codec.ts';
import { encodeEnd, maxEnd } from './gc/host.ts';
import { binKey, type PutResult, pullValue, storageError } from './store-types.ts';

type Sub<V> = AbstractSublevel<Level, unknown, string, V>;

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

/** MURMUR_CHUNKS_BAD_CHUNK unless every chunk hashes to its address. */
export function assertValidChunks(chunks: Chunk[]): void {
  for (const c of chunks) {
    if (!validSize(c.data) || !equalBytes(chunkAddress(c.data), c.address)) {
      throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', 'chunk data does not hash to its address', {
        details: { address: hex(c.address) },
      });
    }
  }
}

/** What the group-commit pipeline reads and moves in its store. */
export interface CommitHost {
  chunks: Sub<Uint8Array>;
  pull: Sub<Uint8Array>;
  meta: Sub<string>;
  /** Usage counters, moved in memory and written in each group's batch. */
  usage: Usage;
  segments(): SegmentLog | undefined;
  exists(keys: string[]): Promise<boolean[]>;
  binOf(address: Uint8Array): number;
  /** Runs `fn` in the chain of index batches (after those before it). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Committed segment end. */
  segend(): SegmentEnd | undefined;
  setSegend(end: SegmentEnd): void;
  /** Called after a group stored new bytes (the collector may start). */
  afterPut(): void;
  /** A bin's cursor reached `id`: raise it and wake its waiters. */
  advance(bin: number, id: bigint): void;
}

/**
 * The store's write path: writes queue up and are stored in groups, each group in two pipelined
 * stages (see `#drain`).
 */
export class GroupCommit {
  readonly #h: CommitHost;
  /** Writes waiting for the running one; the next write takes them all (group commit). */
  #queue: PutRequest[] = [];
  /** Highest bin ID handed out per bin, including groups prepared but not yet committed. */
  readonly assigned: bigint[] = Array.from({ length: BIN_COUNT }, () => 0n);
  /**
   * Addresses (hex) of the chunks of recent groups → their group. A group's keys stay until the
   * next prepare starts after it settled, so an existence check that began before a commit (and
   * could not see it) still finds them here.
   */
  readonly #pending = new Map<string, Prepared>();
  #writing: Promise<void> | undefined;
  /** Groups appending or appended but not committed → the segment their append started in. */
  readonly #appending = new Map<Prepared, number>();

  constructor(host: CommitHost) {
    this.#h = host;
  }

  /** Lowest segment a running append started in (compaction leaves it and later ones alone). */
  busyFrom(): number {
    return Math.min(Number.POSITIVE_INFINITY, ...this.#appending.values());
  }

  /** Resolves once no write is running or queued. */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Queues chunks (already verified) for the next group; resolves with their results. */
  put(chunks: Chunk[], origin: Uint8Array | undefined): Promise<PutResult[]> {
    return new Promise<PutResult[]>((resolve, reject) => {
      this.#queue.push({ chunks, origin, resolve, reject });
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
      const commit = this.#h.exclusive(() => this.#commit(prepared));
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
      existing = keys.length ? await this.#h.exists(keys) : [];
    } catch (err) {
      throw storageError(err);
    }
    const { results, fresh, cursors } = prepared;
    for (const [i, c] of chunks.entries()) {
      const bin = this.#h.binOf(c.address);
      const key = keys[i]!;
      const other = this.#pending.get(key);
      if (existing[i] === true || (other !== undefined && !other.failed)) {
        // stored, or being stored by an earlier group: this group's commit waits for its outcome
        if (existing[i] !== true && other !== undefined && other !== prepared) prepared.deps.add(other);
        results.push({ stored: false, bin, binId: 0n });
        continue;
      }
      this.#pending.set(key, prepared);
      const binId = this.assigned[bin]! + 1n;
      this.assigned[bin] = binId;
      cursors.set(bin, binId);
      fresh.push({ chunk: c, key, bin, binId, origin: origins[i] });
      results.push({ stored: true, bin, binId });
    }
    const log = this.#h.segments();
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
    const pull = this.#h.pull.prefix;
    const data = this.#h.chunks.prefix;
    const meta = this.#h.meta.prefix;
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
    const end = p.end ? maxEnd(this.#h.segend(), p.end) : undefined;
    if (end) ops.push({ type: 'put', key: `${meta}segend`, value: text.encode(encodeEnd(end)) });
    // the counters move in memory and go in the same batch (no read)
    const usage = this.#h.usage;
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
      await this.#h.chunks.db.batch(ops, { keyEncoding: 'utf8', valueEncoding: 'view' });
    } catch (err) {
      p.failed = true;
      usage.bytes -= bytes;
      usage.chunks -= p.fresh.length;
      throw storageError(err);
    } finally {
      p.done = true;
      this.#appending.delete(p);
    }
    if (end) this.#h.setSegend(end);
    if (bytes > 0) this.#h.afterPut();
    for (const [bin, id] of p.cursors) this.#h.advance(bin, id);
    const out: PutResult[][] = [];
    let at = 0;
    for (const r of p.group) {
      out.push(p.results.slice(at, at + r.chunks.length));
      at += r.chunks.length;
    }
    return out;
  }
}
