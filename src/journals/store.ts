import { type Clock, systemClock } from '../clock/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import type { Level } from '../store/index.ts';
import { failStopOf } from '../store/level-guard.ts';
import { checkPayloads, checkSegment, checkSnapshotState, forkError } from './checks.ts';
import { FileChunkLog, LevelChunkLog, type Op } from './chunk-log.ts';
import {
  decodeSnapshot,
  type EventRecord,
  encodeEvent,
  encodeSnapshot,
  type JournalEvent,
  type Snapshot,
  snapshotMessage,
  verifySnapshot,
} from './event.ts';
import { type Chunk, EventLog, type Sub } from './event-log.ts';
import { genesisHash, type JournalId, type ParsedId, parseJournalId } from './id.ts';
import { bytesEqual, type Writer } from './keys.ts';
import { META_RANGE, metaKey, snapshotKey } from './keys-layout.ts';
import { chainAndSign, decodeMeta, encodeMeta, type JournalInfo } from './meta.ts';
import { Waiters } from './waiters.ts';

export type { JournalInfo } from './meta.ts';

interface Meta extends JournalInfo {
  parsed: ParsedId;
}

/** Writer's input for one event. */
export interface NewEvent {
  payload: Uint8Array;
  time?: number;
}

/**
 * Journal storage on abstract-level: events, the signed-batch index, snapshots and the per-journal
 * head, all written in one atomic batch per append or accepted segment. Writes to one journal are
 * serialised; readers can wait for the head to move (waitFor / waitAny).
 */
export class JournalStore {
  readonly #db: Sub;
  readonly #metas = new Map<JournalId, Meta>();
  readonly #locks = new Map<JournalId, Promise<unknown>>();
  readonly waiters = new Waiters();
  readonly #clock: Clock;
  readonly #events: EventLog;
  #closed = false;

  /**
   * `dir`: folder of the per-journal log files holding the event records (the index stays in `db`);
   * without it the records are LevelDB values too (memory-level, tests). `clock`: creation and event
   * times, and the log files' timers (default `systemClock`).
   */
  constructor(db: Level, options: { clock?: Clock; dir?: string | undefined } = {}) {
    this.#db = db.sublevel<string, Uint8Array>('journals', {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
    }) as Sub;
    this.#clock = options.clock ?? systemClock;
    this.#events = new EventLog(
      this.#db,
      options.dir !== undefined
        ? new FileChunkLog(options.dir, { clock: this.#clock, guard: failStopOf(db) })
        : new LevelChunkLog(this.#db),
    );
  }

  /** Loads every journal's meta and opens its log (cutting a torn tail left by a crash). */
  async open(): Promise<void> {
    for (const [k, v] of await this.#db.iterator(META_RANGE).all()) {
      const info = decodeMeta(k.slice(2), v);
      const m = { ...info, parsed: parseJournalId(info.id) };
      this.#metas.set(info.id, m);
      await this.#openLog(m);
    }
  }

  async #openLog(m: Meta): Promise<void> {
    const lost = await this.#events.open(m.id);
    if (!lost) return;
    const { keep, ops } = lost;
    const snap = await this.snapshotOf(m.id);
    const next =
      keep && keep.last >= m.first
        ? { ...m, head: keep.last, headHash: keep.hash }
        : snap
          ? { ...m, head: snap.upTo, headHash: snap.hash, first: snap.upTo + 1 }
          : { ...m, head: 0, headHash: genesisHash(m.parsed), first: 1 };
    ops.push(this.#metaOp(next));
    await this.#db.batch(ops);
    this.#metas.set(m.id, next);
    await this.#events.reopen(m.id, keep);
  }

  /** Ends live readers (MURMUR_JOURNAL_CLOSED); resolves once the log files are closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.waiters.close(new MurmurError('MURMUR_JOURNAL_CLOSED', 'journals store closed'));
    await this.#events.close();
  }

  has(id: JournalId): boolean {
    return this.#metas.has(id);
  }

  info(id: JournalId): JournalInfo | undefined {
    const m = this.#metas.get(id);
    if (!m) return undefined;
    const { parsed: _p, ...info } = m;
    return { ...info };
  }

  list(): JournalInfo[] {
    return [...this.#metas.keys()].sort().map((id) => this.info(id)!);
  }

  #meta(id: JournalId): Meta {
    const m = this.#metas.get(id);
    if (!m) throw new MurmurError('MURMUR_JOURNAL_NOT_FOUND', `no journal ${id}`, { details: { id } });
    return m;
  }

  #metaOp(m: Meta): Op {
    return { type: 'put', key: metaKey(m.id), value: encodeMeta(m, m.parsed.writer) };
  }

  async #locked<T>(id: JournalId, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new MurmurError('MURMUR_JOURNAL_CLOSED', 'journals store closed');
    const prev = this.#locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.catch(() => {});
    this.#locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === tail) this.#locks.delete(id);
    }
  }

  /** Registers a journal (own or followed) with no events yet; returns its info. Idempotent. */
  async ensure(id: JournalId): Promise<JournalInfo> {
    const parsed = parseJournalId(id);
    return this.#locked(id, async () => {
      if (!this.#metas.has(id)) {
        const now = this.#clock.now();
        const m: Meta = {
          id,
          parsed,
          writer: id.slice(0, 64),
          name: parsed.name,
          head: 0,
          headHash: genesisHash(parsed),
          first: 1,
          snapshot: 0,
          created: now,
          lastSnapshotTime: now,
        };
        await this.#events.create(id);
        await this.#db.batch([this.#metaOp(m)]);
        this.#metas.set(id, m);
        this.waiters.notify(id, 0);
      }
      return this.info(id)!;
    });
  }

  /** Appends events signed by `writer` in one atomic batch (one signature per ≤1024 events / ≤100 KiB). */
  async append(
    id: JournalId,
    writer: Writer,
    events: NewEvent[],
    signal?: AbortSignal,
  ): Promise<JournalEvent[]> {
    throwIfAborted(signal);
    checkPayloads(events);
    return this.#locked(id, async () => {
      const m = this.#meta(id);
      if (!bytesEqual(writer.publicKey, m.parsed.writer)) {
        throw new MurmurError('MURMUR_JOURNAL_NOT_WRITER', `not the writer of ${id}`);
      }
      const records = chainAndSign(m.parsed, m.head, m.headHash, events, writer, this.#clock.now());
      const chunks: Chunk[] = [];
      let recs: Uint8Array[] = [];
      for (const r of records) {
        recs.push(encodeEvent(r));
        if (r.sig) {
          chunks.push({ last: r.seq, hash: r.hash, records: recs });
          recs = [];
        }
      }
      const ops = await this.#events.write(id, chunks);
      const last = records.at(-1);
      const next = last ? { ...m, head: last.seq, headHash: last.hash } : m;
      ops.push(this.#metaOp(next));
      await this.#db.batch(ops);
      this.#metas.set(id, next);
      this.waiters.notify(id, next.head);
      return records.map(({ sig: _s, sigFirst: _f, ...e }) => e);
    });
  }

  /**
   * Accepts a segment from a peer (decoded by decodeItem: consecutive and chained inside). Checks the
   * writer's signature over its last event, then that it continues the verified head. Returns how many
   * events were new (0 for a benign duplicate). Throws MURMUR_JOURNAL_FORGED / _GAP / _FORK.
   */
  applySegment(id: JournalId, events: EventRecord[]): Promise<number> {
    return this.applySegments(id, [events]);
  }

  /**
   * Accepts consecutive segments as one write (one log append + sync, one index batch): each is
   * checked as in applySegment against the head the ones before it leave. On an invalid one, the
   * valid segments before it are stored, then its error is thrown.
   */
  async applySegments(id: JournalId, segments: EventRecord[][]): Promise<number> {
    return this.#locked(id, async () => {
      const m = this.#meta(id);
      let head = m.head;
      let headHash = m.headHash;
      const chunks: Chunk[] = [];
      const pending: EventRecord[] = [];
      let error: unknown;
      for (const events of segments) {
        try {
          const fresh = await checkSegment(m, head, headHash, events, pending, (seq) => this.#hashAt(m, seq));
          if (fresh.length === 0) continue;
          const last = fresh.at(-1)!;
          chunks.push({
            last: last.seq,
            hash: last.hash,
            records: fresh.map((e) => e.raw ?? encodeEvent(e)),
          });
          pending.push(...fresh);
          head = last.seq;
          headHash = last.hash;
        } catch (err) {
          error = err;
          break;
        }
      }
      if (chunks.length > 0) {
        const ops = await this.#events.write(id, chunks);
        const next = { ...m, head, headHash };
        ops.push(this.#metaOp(next));
        await this.#db.batch(ops);
        this.#metas.set(id, next);
        this.waiters.notify(id, head);
      }
      if (error !== undefined) throw error;
      return pending.length;
    });
  }

  async #hashAt(m: Meta, seq: number): Promise<Uint8Array | undefined> {
    if (seq === m.head) return m.headHash;
    if (seq === m.snapshot) return (await this.snapshotOf(m.id))?.hash;
    return this.#events.hashAt(m.id, seq);
  }

  /** The writer publishes a signed snapshot of the state after event `upTo` (≤ head). */
  async snapshot(
    id: JournalId,
    writer: Writer,
    s: { upTo: number; state: Uint8Array; time?: number },
  ): Promise<Snapshot> {
    checkSnapshotState(s.state);
    return this.#locked(id, async () => {
      const m = this.#meta(id);
      if (!bytesEqual(writer.publicKey, m.parsed.writer)) {
        throw new MurmurError('MURMUR_JOURNAL_NOT_WRITER', `not the writer of ${id}`);
      }
      if (!Number.isSafeInteger(s.upTo) || s.upTo < 1 || s.upTo > m.head || s.upTo <= m.snapshot) {
        throw new MurmurError('MURMUR_JOURNAL_BAD_SNAPSHOT', `upTo must be in (${m.snapshot}, ${m.head}]`, {
          details: { upTo: s.upTo, head: m.head, snapshot: m.snapshot },
        });
      }
      const hash = await this.#hashAt(m, s.upTo);
      if (!hash) throw new MurmurError('MURMUR_JOURNAL_COMPACTED', `event ${s.upTo} was compacted`);
      const body = { upTo: s.upTo, hash, time: s.time ?? this.#clock.now(), state: s.state };
      const snap: Snapshot = { ...body, sig: writer.sign(snapshotMessage(m.parsed, body)) };
      await this.#storeSnapshot(m, snap);
      return snap;
    });
  }

  async #storeSnapshot(m: Meta, snap: Snapshot): Promise<void> {
    const next = { ...m, snapshot: snap.upTo, lastSnapshotTime: snap.time };
    if (snap.upTo > m.head)
      Object.assign(next, { head: snap.upTo, headHash: snap.hash, first: snap.upTo + 1 });
    await this.#db.batch([
      { type: 'put', key: snapshotKey(m.id), value: encodeSnapshot(snap) },
      this.#metaOp(next),
    ]);
    this.#metas.set(m.id, next);
    if (snap.upTo > m.head) {
      await this.#clear(m.id, 1, snap.upTo);
      this.waiters.notify(m.id, next.head);
    }
  }

  /**
   * Accepts a snapshot from a peer: signature, then consistency with what is held (same hash at upTo
   * or FORK). A snapshot beyond the head replaces the held events; an older one is ignored. Followers
   * mirror the writer's compaction. Returns true if stored.
   */
  async applySnapshot(id: JournalId, snap: Snapshot): Promise<boolean> {
    return this.#locked(id, async () => {
      const m = this.#meta(id);
      if (!verifySnapshot(m.parsed, snap)) {
        throw new MurmurError('MURMUR_JOURNAL_FORGED', `bad writer signature on snapshot ${snap.upTo}`);
      }
      if (snap.upTo <= m.snapshot) return false;
      if (snap.upTo <= m.head) {
        const mine = await this.#hashAt(m, snap.upTo);
        if (mine && !bytesEqual(mine, snap.hash)) throw forkError(id, snap.upTo);
      }
      await this.#storeSnapshot(m, snap);
      if (snap.upTo <= m.head) await this.#compact(this.#meta(id), snap.upTo);
      return true;
    });
  }

  /** Deletes events ≤ upTo (default and at most: the snapshot's upTo). Returns the new first seq. */
  async compact(id: JournalId, upTo?: number): Promise<number> {
    return this.#locked(id, async () => {
      const m = this.#meta(id);
      const limit = Math.min(upTo ?? m.snapshot, m.snapshot);
      if (limit >= m.first) await this.#compact(m, limit);
      return this.#meta(id).first;
    });
  }

  async #compact(m: Meta, upTo: number): Promise<void> {
    const next = { ...m, first: upTo + 1 };
    await this.#db.batch([this.#metaOp(next)]); // meta first: a crash leaves only unreachable garbage
    this.#metas.set(m.id, next);
    await this.#clear(m.id, m.first, upTo);
    this.waiters.notify(m.id, next.head);
  }

  #clear(id: JournalId, from: number, to: number): Promise<void> {
    return this.#events.clear(id, from, to);
  }

  async snapshotOf(id: JournalId): Promise<Snapshot | undefined> {
    const raw = await this.#db.get(snapshotKey(id));
    return raw ? decodeSnapshot(raw) : undefined;
  }

  /** Stored events from..to (inclusive), at most `limit`. Starts later than `from` if compacted. */
  async read(id: JournalId, from: number, to: number, limit: number): Promise<EventRecord[]> {
    const m = this.#metas.get(id);
    if (!m || limit <= 0) return [];
    const start = Math.max(from, m.first);
    const end = Math.min(to, m.head, start + limit - 1);
    return end < start ? [] : this.#events.read(id, start, end);
  }

  /**
   * Segments from `from` (each ends with a signed event), at most `maxSegments` and about `maxBytes`,
   * as stored: the raw records and the wire `Item` (no re-encoding). Used by the streamer provider.
   */
  segments(
    id: JournalId,
    from: number,
    to: number,
    maxSegments: number,
    maxBytes: number,
  ): Promise<{ last: number; hash: Uint8Array; records: Uint8Array[]; item: Uint8Array }[]> {
    return this.#events.segments(id, from, to, maxSegments, maxBytes);
  }
}
