import { read as readCb } from 'node:fs';
import { constants, type FileHandle, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../files/index.ts';
import type { FailStop } from './fail-stop.ts';

/**
 * Append-only payload files next to LevelDB. The caller's LevelDB index says where each payload is
 * and how far the files are committed: bytes are appended and synced (fdatasync) BEFORE the index
 * batch that makes them visible, so after a crash a file can only be longer than its index says
 * (a torn tail), never shorter; `open(end)` cuts that tail.
 */

/** Writes all of `bytes` at `position`. */
export async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads `length` bytes at `position`; undefined if the file ends first. */
export async function readExact(
  fh: FileHandle,
  position: number,
  length: number,
): Promise<Buffer | undefined> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) return undefined;
    done += bytesRead;
  }
  return buf;
}

/**
 * Like readExact on the handle's descriptor with callback `fs.read` (lighter than `FileHandle.read`
 * on the hot read path), into `into` when given; the caller keeps the handle open meanwhile.
 */
function readFd(
  fd: number,
  position: number,
  length: number,
  into?: Uint8Array,
): Promise<Uint8Array | undefined> {
  const buf = into ?? Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done === length) {
        resolve(buf);
        return;
      }
      readCb(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) reject(err);
        else if (n === 0) resolve(undefined);
        else step(done + n);
      });
    };
    step(0);
  });
}

/** Where payload bytes are: segment number, byte offset in it, length. */
export interface SegmentLocation {
  segment: number;
  offset: number;
  length: number;
}

/** The committed end of a segment log: last segment and its length. */
export interface SegmentEnd {
  segment: number;
  offset: number;
}

/** Segment files are rolled once they would grow past this (default). */
export const SEGMENT_BYTES = 128 * 1024 * 1024;
/** Reads of nearby payloads are merged when the gap between them is at most this. */
const READ_GAP = 32 * 1024;
/** Largest merged read. */
const READ_MAX = 2 * 1024 * 1024;

const segmentName = (n: number): string => `${n.toString(16).padStart(8, '0')}.seg`;
const SEGMENT_RE = /^([0-9a-f]{8})\.seg$/;

/** 12 bytes: u32be segment ‖ u32be offset ‖ u32be length. */
/** Bytes of an encoded SegmentLocation. */
export const LOCATION_SIZE = 12;

export function encodeLocation(l: SegmentLocation): Uint8Array {
  const b = Buffer.allocUnsafe(LOCATION_SIZE);
  b.writeUInt32BE(l.segment, 0);
  b.writeUInt32BE(l.offset, 4);
  b.writeUInt32BE(l.length, 8);
  return b;
}

/** Undefined unless `v` is 12 bytes. */
export function decodeLocation(v: Uint8Array): SegmentLocation | undefined {
  if (v.length !== LOCATION_SIZE) return undefined;
  const b = Buffer.from(v.buffer, v.byteOffset, v.length);
  return { segment: b.readUInt32BE(0), offset: b.readUInt32BE(4), length: b.readUInt32BE(8) };
}

/**
 * Numbered segment files `<dir>/<8 hex>.seg` of concatenated payloads, appended in order, the last
 * one open for writing. No header, no framing: the caller's index holds every (segment, offset,
 * length) and the committed end. Appends are serialised; reads may run concurrently with them.
 */
export class SegmentLog {
  readonly #dir: string;
  /** Handles opened with O_DSYNC (their writes are synced as they return). */
  readonly #dsync = new WeakSet<FileHandle>();
  readonly #segmentBytes: number;
  readonly #guard: FailStop | undefined;
  readonly #handles = new Map<number, FileHandle>();
  #segment = 0;
  #end = 0;
  #lock: Promise<unknown> = Promise.resolve();
  #opened = false;
  /** Reads in flight on raw descriptors: close() and remove() wait for them before closing files. */
  readonly #reads = new Set<Promise<unknown>>();
  /** Segments deleted by remove(): reads of them return undefined (the caller asks its index again). */
  readonly #removed = new Set<number>();

  /**
   * `guard`: the store's fail-stop (see fail-stop.ts): a failed append marks the store failed, and
   * no append is acknowledged while it is.
   */
  constructor(dir: string, options: { segmentBytes?: number; guard?: FailStop | undefined } = {}) {
    this.#dir = dir;
    this.#segmentBytes = Math.min(options.segmentBytes ?? SEGMENT_BYTES, 2 ** 32 - 1);
    this.#guard = options.guard;
  }

  get dir(): string {
    return this.#dir;
  }

  /** Where the next append goes. */
  get end(): SegmentEnd {
    return { segment: this.#segment, offset: this.#end };
  }

  /**
   * Opens the log at the committed `end` (undefined: nothing committed): cuts the last segment's
   * torn tail, deletes later segments. If the segment lost committed bytes (never after a process
   * crash: they were synced first), appends continue in a new segment so no location is reused.
   */
  async open(end: SegmentEnd | undefined): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const seg = end?.segment ?? 0;
    const off = end?.offset ?? 0;
    for (const name of await readdir(this.#dir)) {
      const m = SEGMENT_RE.exec(name);
      if (m && Number.parseInt(m[1]!, 16) > seg) await rm(join(this.#dir, name), { force: true });
    }
    const fh = await this.#handle(seg, true);
    const size = (await fh.stat()).size;
    if (size > off) {
      await fh.truncate(off);
      await fh.datasync();
    }
    this.#segment = seg;
    this.#end = off;
    if (size < off) await this.#roll();
    await syncDir(this.#dir);
    this.#opened = true;
  }

  async #handle(segment: number, create: boolean): Promise<FileHandle> {
    let fh = this.#handles.get(segment);
    if (fh) return fh;
    // O_DSYNC: an append is on disk when its write returns, one system call (and one thread-pool
    // job) instead of a write and an fdatasync
    const flags = create ? constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC : constants.O_RDONLY;
    const opened = await open(join(this.#dir, segmentName(segment)), flags, 0o644);
    if (create) this.#dsync.add(opened);
    fh = this.#handles.get(segment); // opened concurrently
    if (fh) {
      await opened.close();
      return fh;
    }
    this.#handles.set(segment, opened);
    return opened;
  }

  async #roll(): Promise<void> {
    this.#segment++; // the old segment's handle stays open for reads
    this.#end = 0;
    const fh = await this.#handle(this.#segment, true);
    await fh.truncate(0);
    await syncDir(this.#dir);
  }

  /**
   * Appends the payloads back to back in one segment (a new one when the current would grow past
   * the segment size), synced when it resolves; returns each payload's location. The caller then
   * commits the locations and `end` in its index batch.
   */
  append(payloads: Uint8Array[]): Promise<SegmentLocation[]> {
    const run = this.#lock.then(() => this.#append(payloads));
    this.#lock = run.catch(() => {});
    return run;
  }

  #append(payloads: Uint8Array[]): Promise<SegmentLocation[]> {
    if (!this.#opened) return Promise.reject(new Error('segment log not open'));
    const guard = this.#guard;
    return guard ? guard.run(() => this.#write(payloads), 'chunk segment file') : this.#write(payloads);
  }

  async #write(payloads: Uint8Array[]): Promise<SegmentLocation[]> {
    let total = 0;
    for (const p of payloads) total += p.length;
    if (total === 0) return payloads.map(() => ({ segment: this.#segment, offset: this.#end, length: 0 }));
    if (this.#end > 0 && this.#end + total > this.#segmentBytes) await this.#roll();
    const segment = this.#segment;
    const start = this.#end;
    const fh = await this.#handle(segment, true);
    let pos = start;
    for (let i = 0; i < payloads.length; ) {
      const batch = payloads.slice(i, i + 1024); // IOV_MAX
      let { bytesWritten } = await fh.writev(batch, pos);
      let n = 0;
      for (const p of batch) n += p.length;
      if (bytesWritten < n) {
        // short write: finish it piece by piece
        let skip = bytesWritten;
        for (const p of batch) {
          if (skip >= p.length) {
            skip -= p.length;
            continue;
          }
          await writeAll(fh, p.subarray(skip), pos + bytesWritten);
          bytesWritten += p.length - skip;
          skip = 0;
        }
      }
      pos += n;
      i += batch.length;
    }
    // on disk before the caller's index makes them visible
    if (!this.#dsync.has(fh)) await fh.datasync();
    this.#end = pos;
    const out: SegmentLocation[] = [];
    let at = start;
    for (const p of payloads) {
      out.push({ segment, offset: at, length: p.length });
      at += p.length;
    }
    return out;
  }

  /**
   * The payload at each location (undefined where the file ends first); nearby ones in one read.
   * With `into`, merged reads are packed into that buffer while it has room (the rest get their own)
   * and the payloads returned are views of it: the caller must be done with them before it reuses
   * the buffer. A hot path reading page after page thus allocates nothing (fresh buffers cost page
   * faults and garbage collection).
   */
  read(
    locations: (SegmentLocation | undefined)[],
    options: { into?: Uint8Array } = {},
  ): Promise<(Uint8Array | undefined)[]> {
    if (!this.#opened) return Promise.reject(new Error('segment log closed'));
    const p = this.#read(locations, options.into);
    const tracked = p.catch(() => {});
    this.#reads.add(tracked);
    void tracked.finally(() => this.#reads.delete(tracked));
    return p;
  }

  async #read(
    locations: (SegmentLocation | undefined)[],
    into: Uint8Array | undefined,
  ): Promise<(Uint8Array | undefined)[]> {
    const out: (Uint8Array | undefined)[] = locations.map(() => undefined);
    // checked before the first await: a read that passes it is waited for by remove()
    const removed = this.#removed;
    const order = locations
      .map((l, i) => ({ l, i }))
      .filter((x): x is { l: SegmentLocation; i: number } => x.l !== undefined && !removed.has(x.l.segment))
      .sort((a, b) => a.l.segment - b.l.segment || a.l.offset - b.l.offset);
    const runs: { segment: number; from: number; to: number; items: typeof order }[] = [];
    for (const x of order) {
      const last = runs.at(-1);
      const end = x.l.offset + x.l.length;
      if (
        last &&
        last.segment === x.l.segment &&
        x.l.offset <= last.to + READ_GAP &&
        Math.max(end, last.to) - last.from <= READ_MAX
      ) {
        last.to = Math.max(last.to, end);
        last.items.push(x);
      } else runs.push({ segment: x.l.segment, from: x.l.offset, to: end, items: [x] });
    }
    let packed = 0;
    await Promise.all(
      runs.map(async (r) => {
        const length = r.to - r.from;
        let target: Uint8Array | undefined;
        if (into && packed + length <= into.byteLength) {
          target = into.subarray(packed, packed + length);
          packed += length;
        }
        const fh = await this.#handle(r.segment, false).catch(() => undefined);
        if (!fh) return;
        const buf = await readFd(fh.fd, r.from, length, target);
        for (const { l, i } of r.items) {
          if (buf) out[i] = buf.subarray(l.offset - r.from, l.offset - r.from + l.length);
          else out[i] = await readFd(fh.fd, l.offset, l.length);
        }
      }),
    );
    return out;
  }

  /** Number and byte size of every segment file (the one being appended to included). */
  async sizes(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const name of await readdir(this.#dir)) {
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const n = Number.parseInt(m[1]!, 16);
      if (this.#removed.has(n)) continue;
      if (n === this.#segment) out.set(n, this.#end);
      else
        out.set(
          n,
          await stat(join(this.#dir, name)).then(
            (s) => s.size,
            () => 0,
          ),
        );
    }
    return out;
  }

  /**
   * Deletes a sealed segment whose payloads the caller's index no longer references: later reads of
   * it return undefined at once, reads already running finish from the still-open file, then the
   * file is closed. Never the segment being appended to.
   */
  async remove(segment: number): Promise<void> {
    if (segment >= this.#segment) throw new Error('cannot remove the segment being appended to');
    this.#removed.add(segment);
    await rm(join(this.#dir, segmentName(segment)), { force: true });
    await syncDir(this.#dir);
    await Promise.all([...this.#reads]);
    const fh = this.#handles.get(segment);
    this.#handles.delete(segment);
    await fh?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#lock;
    this.#opened = false;
    await Promise.all([...this.#reads]);
    const hs = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(hs.map((h) => h.close().catch(() => {})));
  }
}
