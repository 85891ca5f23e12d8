import { constants, type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteReader, varintSize, writeVarint } from '../bytes/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { MurmurError } from '../errors/index.ts';
import { syncDir } from '../files/index.ts';
import type { FailStop } from '../store/fail-stop.ts';
import { readExact, writeAll } from '../store/segments.ts';
import type { JournalId } from './id.ts';
import { seqKey } from './keys-layout.ts';

/** A write for the store's LevelDB batch. */
export type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * Where the event records of a journal live: one append-only byte log per journal, written in
 * chunks (the records of one stored segment, each framed as protobuf field 1: `0x0a varint(len)
 * record`, so a chunk is also the body of a wire `Segment`). The store's LevelDB index maps each
 * segment boundary to its chunk's (offset, length, count) in that log.
 */
export interface ChunkLog {
  /** Sets a journal's end from the index; the file log cuts a torn tail. Returns the bytes held (≤ end). */
  open(id: JournalId, end: number): Promise<number>;
  /**
   * Writes `bytes` at the journal's end. The file log has them on disk (fdatasync) when it resolves;
   * the LevelDB log returns the put for the caller's atomic batch instead.
   */
  append(id: JournalId, bytes: Uint8Array): Promise<{ offset: number; ops: Op[] }>;
  /** Bytes [offset, offset + length), or undefined if they are not all held (compacted). */
  read(id: JournalId, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Drops what lies before `offset` (compaction) where the log can. */
  dropBefore(id: JournalId, offset: number): Promise<void>;
  close(): Promise<void>;
}

/** Bytes before the first chunk of a log file: u64be logical offset of the byte after them. */
const HEADER = 8;
/** A compaction rewrites a log file when it drops at least this much and at least half of it. */
export const RECLAIM_MIN_BYTES = 1024 * 1024;
/** Log files kept open at most (idle ones beyond it are closed, least recently used first). */
export const MAX_OPEN_LOGS = 256;
/** An old file handle stays open this long after a rewrite (reads in flight finish on it). */
const OLD_HANDLE_MS = 5_000;

interface LogFile {
  fh: FileHandle;
  /** Logical offset of the first byte after the header (grows when compaction rewrites the file). */
  base: number;
  /** Logical end. */
  end: number;
  /** Operations in flight on the handle (an idle handle may be closed to cap open files). */
  busy: number;
}

/**
 * One file per journal: `<dir>/<writer hex>.<name>.log` = u64be base ‖ chunks. Offsets in the index
 * are logical (file position = offset − base + 8), so compaction can drop the head of the file by
 * writing the live tail to a new file (synced) and renaming it over the old one.
 */
export class FileChunkLog implements ChunkLog {
  readonly #dir: string;
  readonly #files = new Map<JournalId, LogFile>();
  readonly #reclaimMin: number;
  readonly #maxOpen: number;
  readonly #clock: Clock;
  readonly #guard: FailStop | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;
  #made = false;

  /**
   * `clock`: the timer that closes a rewritten file's old handle (default `systemClock`); `guard`:
   * the store's fail-stop (src/store/fail-stop.ts): a failed append marks the store failed, and no
   * append is acknowledged while it is.
   */
  constructor(
    dir: string,
    options: { reclaimMinBytes?: number; maxOpen?: number; clock?: Clock; guard?: FailStop | undefined } = {},
  ) {
    this.#dir = dir;
    this.#guard = options.guard;
    this.#clock = options.clock ?? systemClock;
    this.#reclaimMin = options.reclaimMinBytes ?? RECLAIM_MIN_BYTES;
    this.#maxOpen = options.maxOpen ?? MAX_OPEN_LOGS;
  }

  /** Log files open now. */
  get openFiles(): number {
    return this.#files.size;
  }

  path(id: JournalId): string {
    return join(this.#dir, `${id.replace('/', '.')}.log`);
  }

  async #file(id: JournalId): Promise<LogFile> {
    let f = this.#files.get(id);
    if (f) return f;
    if (!this.#made) {
      await mkdir(this.#dir, { recursive: true });
      this.#made = true;
    }
    const fh = await open(this.path(id), constants.O_RDWR | constants.O_CREAT, 0o644);
    const size = (await fh.stat()).size;
    let base = 0;
    if (size >= HEADER) {
      const h = Buffer.alloc(HEADER);
      await fh.read(h, 0, HEADER, 0);
      base = h.readUInt32BE(0) * 2 ** 32 + h.readUInt32BE(4);
    } else {
      await fh.truncate(0);
      await fh.write(Buffer.alloc(HEADER), 0, HEADER, 0);
      await fh.datasync();
      await syncDir(this.#dir);
    }
    f = this.#files.get(id); // opened concurrently
    if (f) {
      await fh.close();
      return f;
    }
    f = { fh, base, end: base + Math.max(0, size - HEADER), busy: 0 };
    this.#files.set(id, f);
    return f;
  }

  /** Runs `fn` on the journal's open file (most recently used), then closes idle files over the cap. */
  #use<T>(id: JournalId, fn: (f: LogFile) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const op = this.#run(id, fn);
    this.#inflight.add(op);
    const done = (): void => {
      this.#inflight.delete(op);
    };
    op.then(done, done);
    return op;
  }

  async #run<T>(id: JournalId, fn: (f: LogFile) => Promise<T>): Promise<T> {
    const f = await this.#file(id);
    this.#files.delete(id);
    this.#files.set(id, f);
    f.busy++;
    try {
      return await fn(f);
    } finally {
      f.busy--;
      if (this.#files.size > this.#maxOpen) {
        for (const [k, g] of this.#files) {
          if (this.#files.size <= this.#maxOpen) break;
          if (g.busy > 0) continue;
          this.#files.delete(k);
          void g.fh.close().catch(() => {});
        }
      }
    }
  }

  open(id: JournalId, end: number): Promise<number> {
    return this.#use(id, (f) => this.#open(f, end));
  }

  async #open(f: LogFile, end: number): Promise<number> {
    if (f.end > end && end >= f.base) {
      await f.fh.truncate(end - f.base + HEADER); // torn tail: bytes written after the last indexed chunk
      await f.fh.datasync();
      f.end = end;
    } else if (end < f.base) {
      // nothing indexed is left in this file (index rolled back or wiped): start it again at `end`
      await f.fh.truncate(0);
      const h = Buffer.alloc(HEADER);
      h.writeUInt32BE(Math.floor(end / 2 ** 32), 0);
      h.writeUInt32BE(end % 2 ** 32, 4);
      await f.fh.write(h, 0, HEADER, 0);
      await f.fh.datasync();
      f.base = end;
      f.end = end;
    }
    return f.end;
  }

  append(id: JournalId, bytes: Uint8Array): Promise<{ offset: number; ops: Op[] }> {
    const write = (): Promise<{ offset: number; ops: Op[] }> =>
      this.#use(id, async (f) => {
        const offset = f.end;
        await writeAll(f.fh, bytes, offset - f.base + HEADER);
        await f.fh.datasync(); // on disk before the index (and so the head) moves
        f.end = offset + bytes.length;
        return { offset, ops: [] };
      });
    // a write after close is refused as closed, never counted as a failure of the store
    if (this.#closed) return Promise.reject(closedError());
    return this.#guard ? this.#guard.run(write, 'journal log file') : write();
  }

  read(id: JournalId, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.#use(id, (f) => this.#read(f, offset, length));
  }

  async #read(f: LogFile, offset: number, length: number): Promise<Uint8Array | undefined> {
    const { fh, base } = f;
    if (offset < base || offset + length > f.end) return undefined;
    return readExact(fh, offset - base + HEADER, length);
  }

  /** Rewrites the file without the bytes before `offset` when that reclaims enough. */
  dropBefore(id: JournalId, offset: number): Promise<void> {
    return this.#use(id, (f) => this.#dropBefore(id, f, offset));
  }

  async #dropBefore(id: JournalId, f: LogFile, offset: number): Promise<void> {
    const cut = Math.min(offset, f.end);
    const dropped = cut - f.base;
    if (dropped < this.#reclaimMin || dropped * 2 < f.end - f.base) return;
    const tmp = `${this.path(id)}.tmp`;
    const out = await open(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
    try {
      const h = Buffer.alloc(HEADER);
      h.writeUInt32BE(Math.floor(cut / 2 ** 32), 0);
      h.writeUInt32BE(cut % 2 ** 32, 4);
      await writeAll(out, h, 0);
      const piece = Buffer.allocUnsafe(1024 * 1024);
      for (let at = cut; at < f.end; ) {
        const n = Math.min(piece.length, f.end - at);
        const { bytesRead } = await f.fh.read(piece, 0, n, at - f.base + HEADER);
        if (bytesRead === 0)
          throw new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', 'journal log shorter than expected');
        await writeAll(out, piece.subarray(0, bytesRead), at - cut + HEADER);
        at += bytesRead;
      }
      await out.datasync();
    } catch (err) {
      await out.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
    await rename(tmp, this.path(id)); // atomic: the old file or the new one, both complete
    await syncDir(this.#dir);
    const old = f.fh;
    f.fh = out;
    f.base = cut;
    this.#clock.setTimeout(() => void old.close().catch(() => {}), OLD_HANDLE_MS);
  }

  /** Refuses new operations, lets those in flight finish (an append racing a stop), closes the files. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    const files = [...this.#files.values()];
    this.#files.clear();
    await Promise.all(files.map((f) => f.fh.close().catch(() => {})));
  }
}

type Db = {
  iterator(o: { gte: string; lte: string; reverse: true; limit: 1 }): {
    all(): Promise<[string, Uint8Array][]>;
  };
  values(o: { gt: string; lt: string }): { all(): Promise<Uint8Array[]> };
  clear(o: { gte: string; lt: string }): Promise<void>;
};

/** Chunks as LevelDB values `c!<id>!<16 hex offset>` (no data folder, memory-level). */
export class LevelChunkLog implements ChunkLog {
  readonly #db: Db;
  readonly #ends = new Map<JournalId, number>();

  constructor(db: Db) {
    this.#db = db;
  }

  #key(id: JournalId, offset: number): string {
    return `c!${id}!${seqKey(offset)}`;
  }

  async open(id: JournalId, end: number): Promise<number> {
    this.#ends.set(id, end);
    return end;
  }

  async append(id: JournalId, bytes: Uint8Array): Promise<{ offset: number; ops: Op[] }> {
    const offset = this.#ends.get(id) ?? 0;
    this.#ends.set(id, offset + bytes.length);
    return { offset, ops: [{ type: 'put', key: this.#key(id, offset), value: bytes }] };
  }

  async read(id: JournalId, offset: number, length: number): Promise<Uint8Array | undefined> {
    // one append (several chunks) is one value: start from the value holding `offset`
    const [head] = await this.#db
      .iterator({ gte: this.#key(id, 0), lte: this.#key(id, offset), reverse: true, limit: 1 })
      .all();
    if (!head) return undefined;
    const start = Number.parseInt(head[0].slice(-16), 16);
    const rest = await this.#db
      .values({ gt: this.#key(id, start), lt: this.#key(id, offset + length) })
      .all();
    const buf = rest.length === 0 ? head[1] : Buffer.concat([head[1], ...rest]);
    if (buf.length < offset - start + length) return undefined;
    return buf.subarray(offset - start, offset - start + length);
  }

  async dropBefore(id: JournalId, offset: number): Promise<void> {
    // keeps the value holding `offset` (it may start before it)
    const [head] = await this.#db
      .iterator({ gte: this.#key(id, 0), lte: this.#key(id, offset), reverse: true, limit: 1 })
      .all();
    if (head) await this.#db.clear({ gte: this.#key(id, 0), lt: head[0] });
  }

  async close(): Promise<void> {}
}

const bad = (why: string): MurmurError => new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', why);
const closedError = (): MurmurError =>
  new MurmurError('MURMUR_JOURNAL_CLOSED', 'the journal store is closed');

/** Bytes of a record framed as protobuf field 1 (`0x0a varint(len) record`). */
export function framedSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Writes the frame of `rec` at `pos`; returns the position after it. */
export function writeFramed(buf: Uint8Array, pos: number, rec: Uint8Array): number {
  buf[pos++] = 0x0a;
  pos = writeVarint(buf, pos, rec.length);
  buf.set(rec, pos);
  return pos + rec.length;
}

/** Frames records into one chunk. */
export function frameRecords(records: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const r of records) size += framedSize(r.length);
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  for (const r of records) p = writeFramed(buf, p, r);
  return buf;
}

/** Splits a chunk into its records (subarrays) and their frame starts; throws on malformed bytes. */
export function splitChunk(buf: Uint8Array): { records: Uint8Array[]; starts: number[] } {
  const records: Uint8Array[] = [];
  const starts: number[] = [];
  const r = new ByteReader(buf, bad);
  while (r.pos < buf.length) {
    starts.push(r.pos);
    if (buf[r.pos++] !== 0x0a) throw bad('chunk record is not framed');
    const len = r.tryVarint(5);
    if (len < 0 || len > buf.length - r.pos) throw bad('truncated chunk');
    records.push(buf.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
  return { records, starts };
}

/** Index entry of a segment boundary `g!<id>!<seq>`: its chunk in the log. */
export interface Bound {
  /** Sequence number of the chunk's last (signed) event. */
  last: number;
  /** Hash of that event. */
  hash: Uint8Array;
  offset: number;
  length: number;
  /** Events in the chunk (the first is `last - count + 1`). */
  count: number;
}

/** hash (32) ‖ u64be offset ‖ u32be length ‖ u32be count. */
export function encodeBound(b: Omit<Bound, 'last'>): Uint8Array {
  const buf = Buffer.allocUnsafe(48);
  buf.set(b.hash, 0);
  buf.writeUIntBE(Math.floor(b.offset / 2 ** 32), 32, 4);
  buf.writeUInt32BE(b.offset % 2 ** 32, 36);
  buf.writeUInt32BE(b.length, 40);
  buf.writeUInt32BE(b.count, 44);
  return buf;
}

export function decodeBound(last: number, v: Uint8Array): Bound {
  if (v.length !== 48) throw bad('journal index entry is not 48 bytes (store of an older version?)');
  const b = Buffer.from(v.buffer, v.byteOffset, v.length);
  return {
    last,
    hash: v.subarray(0, 32),
    offset: b.readUInt32BE(32) * 2 ** 32 + b.readUInt32BE(36),
    length: b.readUInt32BE(40),
    count: b.readUInt32BE(44),
  };
}
