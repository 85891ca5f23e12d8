import type { AbstractSublevel } from 'abstract-level';
import { MurmurError } from '../errors/index.ts';
import type { Level } from '../store/index.ts';
import {
  type Bound,
  type ChunkLog,
  decodeBound,
  encodeBound,
  framedSize,
  type Op,
  splitChunk,
  writeFramed,
} from './chunk-log.ts';
import { decodeEvent, type EventRecord } from './event.ts';
import type { JournalId } from './id.ts';
import { boundaryKey, seqOfKey } from './keys-layout.ts';

export type Sub = AbstractSublevel<Level, unknown, string, Uint8Array>;

/** Records of one stored segment, written as one chunk of the log. */
export interface Chunk {
  last: number;
  hash: Uint8Array;
  records: Uint8Array[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The events of every journal: the chunk logs plus their LevelDB index (`g!<id>!<seq>` → chunk of
 * the segment ending at `seq`). The store calls it under its per-journal lock for writes and puts
 * the returned index operations in its own batch (with the head).
 */
export class EventLog {
  readonly #db: Sub;
  readonly #log: ChunkLog;

  constructor(db: Sub, log: ChunkLog) {
    this.#db = db;
    this.#log = log;
  }

  /**
   * Opens a journal's log and cuts a torn tail. If the log lost indexed bytes, returns the last
   * complete chunk (undefined: none) and the deletes of the later index entries, for the caller to
   * move the head back in the same batch, then call `reopen`.
   */
  async open(id: JournalId): Promise<{ keep: Bound | undefined; ops: Op[] } | undefined> {
    const rows = await this.#db
      .iterator({ gte: boundaryKey(id, 0), lte: boundaryKey(id, MAX_SAFE), reverse: true })
      .all();
    const bounds = rows.map(([k, v]) => decodeBound(seqOfKey(k), v));
    const end = bounds[0] ? bounds[0].offset + bounds[0].length : 0;
    const held = await this.#log.open(id, end);
    if (held >= end) return undefined;
    // the log lost indexed bytes (never after a process crash: chunks are synced before the index)
    const keep = bounds.find((b) => b.offset + b.length <= held);
    const ops: Op[] = bounds
      .filter((b) => b.last > (keep?.last ?? 0))
      .map((b) => ({ type: 'del' as const, key: boundaryKey(id, b.last) }));
    return { keep, ops };
  }

  async reopen(id: JournalId, keep: Bound | undefined): Promise<void> {
    await this.#log.open(id, keep ? keep.offset + keep.length : 0);
  }

  /** A new journal: a log file left without an index (store wiped) is cut. */
  async create(id: JournalId): Promise<void> {
    await this.#log.open(id, 0);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  /** Writes chunks at the end of the journal's log (synced) and returns their index puts. */
  async write(id: JournalId, chunks: Chunk[]): Promise<Op[]> {
    let size = 0;
    for (const c of chunks) for (const r of c.records) size += framedSize(r.length);
    const buf = Buffer.allocUnsafe(size);
    const starts: number[] = [];
    let p = 0;
    for (const c of chunks) {
      starts.push(p);
      for (const r of c.records) p = writeFramed(buf, p, r);
    }
    const { offset, ops } = await this.#log.append(id, buf);
    chunks.forEach((c, i) => {
      const start = starts[i]!;
      const length = (starts[i + 1] ?? size) - start;
      const value = encodeBound({ hash: c.hash, offset: offset + start, length, count: c.records.length });
      ops.push({ type: 'put', key: boundaryKey(id, c.last), value });
    });
    return ops;
  }

  /** Index entries from the chunk holding `from` on, while `more(bound, index)` says so. */
  async bounds(id: JournalId, from: number, more: (b: Bound, i: number) => boolean): Promise<Bound[]> {
    const out: Bound[] = [];
    for await (const [k, v] of this.#db.iterator({
      gte: boundaryKey(id, from),
      lte: boundaryKey(id, MAX_SAFE),
    })) {
      const b = decodeBound(seqOfKey(k), v);
      if (!more(b, out.length)) break;
      out.push(b);
    }
    return out;
  }

  /** Each bound's chunk split into records (one log read), with the seq of its first record. */
  async chunks(
    id: JournalId,
    bounds: Bound[],
  ): Promise<{ bound: Bound; first: number; chunk: Uint8Array; records: Uint8Array[]; starts: number[] }[]> {
    const first = bounds[0];
    const last = bounds.at(-1);
    if (!first || !last) return [];
    const buf = await this.#log.read(id, first.offset, last.offset + last.length - first.offset);
    if (!buf) return [];
    return bounds.map((b) => {
      const chunk = buf.subarray(b.offset - first.offset, b.offset - first.offset + b.length);
      const { records, starts } = splitChunk(chunk);
      if (records.length !== b.count)
        throw new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', 'chunk does not match its index');
      return { bound: b, first: b.last - b.count + 1, chunk, records, starts };
    });
  }

  /** The hash of stored event `seq` (undefined if not stored). */
  async hashAt(id: JournalId, seq: number): Promise<Uint8Array | undefined> {
    const [c] = await this.chunks(id, await this.bounds(id, seq, (_b, i) => i < 1));
    if (!c || seq < c.first) return undefined;
    if (seq === c.bound.last) return c.bound.hash;
    const raw = c.records[seq - c.first];
    return raw ? decodeEvent(raw).hash : undefined;
  }

  /** Drops the index entries from..to and the log bytes before the first chunk kept. */
  async clear(id: JournalId, from: number, to: number): Promise<void> {
    await this.#db.clear({ gte: boundaryKey(id, from), lte: boundaryKey(id, to) });
    const [next] = await this.bounds(id, to + 1, (_b, i) => i < 1);
    await this.#log.dropBefore(id, next ? next.offset : MAX_SAFE);
  }

  /** Stored events start..end (inclusive). */
  async read(id: JournalId, start: number, end: number): Promise<EventRecord[]> {
    const bounds = await this.bounds(id, start, (b, i) => i === 0 || b.last - b.count < end);
    const out: EventRecord[] = [];
    for (const c of await this.chunks(id, bounds)) {
      c.records.forEach((r, i) => {
        const seq = c.first + i;
        if (seq >= start && seq <= end) out.push(decodeEvent(r));
      });
    }
    return out;
  }

  /**
   * Segments from `from` (each ends with a signed event), at most `maxSegments` and about `maxBytes`,
   * as stored: the raw records and the wire `Item` (a log chunk is a Segment body: no re-encoding).
   * Used by the streamer provider.
   */
  async segments(
    id: JournalId,
    from: number,
    to: number,
    maxSegments: number,
    maxBytes: number,
  ): Promise<{ last: number; hash: Uint8Array; records: Uint8Array[]; item: Uint8Array }[]> {
    let total = 0;
    const bounds = await this.bounds(id, from, (b, i) => {
      if (i >= maxSegments || total >= maxBytes || b.last > to) return false;
      total += b.length;
      return true;
    });
    return (await this.chunks(id, bounds)).map((c) => {
      const skip = Math.max(0, from - c.first);
      const body = c.chunk.subarray(c.starts[skip] ?? c.chunk.length);
      return {
        last: c.bound.last,
        hash: c.bound.hash,
        records: c.records.slice(skip),
        item: segmentItem(body),
      };
    });
  }
}

/** Item{segment: Segment{events}} around a chunk: `0x0a varint(len)` ‖ chunk. */
function segmentItem(body: Uint8Array): Uint8Array {
  const item = Buffer.allocUnsafe(framedSize(body.length));
  writeFramed(item, 0, body);
  return item;
}
