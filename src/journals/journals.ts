import { bytesEqual } from '../bytes/index.ts';
import type { Clock } from '../clock/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { Level } from '../store/index.ts';
import { MAX_APPEND_BATCH, READ_PAGE } from './constants.ts';
import type { JournalEvent, Snapshot } from './event.ts';
import { formatJournalId, type JournalId, parseJournalId } from './id.ts';
import type { Writer } from './keys.ts';
import { AutoSnapshots, type SnapshotPolicy } from './policy.ts';
import { type JournalInfo, JournalStore, type NewEvent } from './store.ts';
import { type FirehoseItem, firehose, plain, type TailItem, type TailOptions, tail } from './tail.ts';

/** The original's JSON convenience: `{e: event name, p: payload}`. */
export interface JsonEvent {
  e: string;
  p?: unknown;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function jsonPayload(event: JsonEvent): Uint8Array {
  if (typeof event?.e !== 'string')
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a JSON event is {e: string, p}');
  let text: string;
  try {
    text = JSON.stringify({ e: event.e, p: event.p });
  } catch (cause) {
    // nested too deep (RangeError), a cycle or a BigInt (TypeError): the caller's value, not ours
    throw new MurmurError(
      'MURMUR_INVALID_ARGUMENT',
      `a JSON event's p cannot be encoded: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return enc.encode(text);
}

/** The `{e, p}` of a payload written with jsonPayload, or undefined for other bytes. */
export function parseJsonPayload(payload: Uint8Array): JsonEvent | undefined {
  try {
    const v = JSON.parse(dec.decode(payload)) as unknown;
    if (v && typeof v === 'object' && typeof (v as JsonEvent).e === 'string') return v as JsonEvent;
  } catch {}
  return undefined;
}

export interface JournalsOptions {
  /** Any abstract-level database (the node's `journals` sublevel, memory-level in tests). */
  db: Level;
  /** Folder of the per-journal event logs (the index stays in `db`); without it records go in `db`. */
  dir?: string;
  /** The key this node writes its own journals with (the node's identity). Without it: read-only. */
  writer?: Writer;
  /** Automatic snapshots of own journals (after N events / T ms). */
  autoSnapshot?: SnapshotPolicy;
  /** How often the time rule is checked (ms, default 1000; 0 = only through autoSnapshots.tick()). */
  tickMs?: number;
  /** Time (event and snapshot times, the time rule) and timers: the service's `ctx.clock`; default `systemClock`. */
  clock?: Clock;
  logger?: Logger;
}

type Payload = Uint8Array | JsonEvent;
const toNew = (p: Payload, time?: number): NewEvent => ({
  payload: p instanceof Uint8Array ? p : jsonPayload(p),
  ...(time === undefined ? {} : { time }),
});

/**
 * The library API the node hosts: create, append, appendBatch, read, tail/follow, snapshot, compact,
 * list, firehose. Sync with peers is JournalSync (src/journals/sync), fed from the same store.
 */
export class Journals {
  readonly store: JournalStore;
  readonly writer: Writer | undefined;
  readonly autoSnapshots: AutoSnapshots | undefined;
  readonly #tickMs: number;
  readonly #log: Logger;
  #started = false;

  constructor(options: JournalsOptions) {
    this.store = new JournalStore(options.db, {
      dir: options.dir,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.writer = options.writer;
    this.#tickMs = options.tickMs ?? 1000;
    this.#log = options.logger ?? silentLogger;
    if (options.autoSnapshot && options.writer) {
      this.autoSnapshots = new AutoSnapshots({
        store: this.store,
        writer: options.writer,
        policy: options.autoSnapshot,
        logger: this.#log,
        ...(options.clock ? { clock: options.clock } : {}),
      });
    }
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.store.open();
    this.autoSnapshots?.start(this.#tickMs);
    this.#started = true;
  }

  /** Ends live readers (MURMUR_JOURNAL_CLOSED) and the policies; the caller closes the database. */
  async stop(): Promise<void> {
    await this.autoSnapshots?.stop();
    await this.store.close();
    this.#started = false;
  }

  #writer(): Writer {
    if (!this.writer) throw new MurmurError('MURMUR_JOURNAL_NOT_WRITER', 'this node has no writer key');
    return this.writer;
  }

  /** The id of this node's journal `name`. */
  idOf(name: string): JournalId {
    return formatJournalId(this.#writer().publicKey, name);
  }

  async create(name: string, options: { signal?: AbortSignal } = {}): Promise<JournalInfo> {
    throwIfAborted(options.signal);
    const id = this.idOf(name);
    if (this.store.has(id))
      throw new MurmurError('MURMUR_JOURNAL_EXISTS', `journal ${id} exists`, { details: { id } });
    return this.store.ensure(id);
  }

  async append(
    id: JournalId,
    payload: Payload,
    options: { time?: number; signal?: AbortSignal } = {},
  ): Promise<JournalEvent> {
    const [e] = await this.store.append(id, this.#writer(), [toNew(payload, options.time)], options.signal);
    return e!;
  }

  /** Appends many events atomically: consecutive seqs, one signature per ≤1024 events. */
  async appendBatch(
    id: JournalId,
    payloads: Payload[],
    options: { signal?: AbortSignal } = {},
  ): Promise<JournalEvent[]> {
    if (payloads.length > MAX_APPEND_BATCH) {
      throw new MurmurError('MURMUR_JOURNAL_TOO_LARGE', `batch of ${payloads.length} events`, {
        details: { max: MAX_APPEND_BATCH },
      });
    }
    return this.store.append(
      id,
      this.#writer(),
      payloads.map((p) => toNew(p)),
      options.signal,
    );
  }

  /**
   * Events from..to (inclusive, at most `limit`), preceded by the snapshot when `from` lies before the
   * compaction point (events then start at snapshot.upTo + 1).
   */
  async read(
    id: JournalId,
    options: { from?: number; to?: number; limit?: number; signal?: AbortSignal } = {},
  ): Promise<{ snapshot?: Snapshot; events: JournalEvent[] }> {
    throwIfAborted(options.signal);
    const info = this.info(id);
    let from = Math.max(1, options.from ?? 1);
    const to = Math.min(options.to ?? info.head, info.head);
    const limit = options.limit ?? READ_PAGE * 10;
    let snapshot: Snapshot | undefined;
    if (from < info.first) {
      snapshot = await this.store.snapshotOf(id);
      from = info.first;
    }
    const events = (await this.store.read(id, from, to, limit)).map(plain);
    return snapshot ? { snapshot, events } : { events };
  }

  /** History then live (see tail.ts): no gap, no duplicate at the switch. */
  tail(id: JournalId, options: TailOptions = {}): AsyncGenerator<TailItem> {
    this.info(id);
    return tail(this.store, id, options);
  }

  /** tail() that keeps going live. */
  follow(id: JournalId, options: Omit<TailOptions, 'live'> = {}): AsyncGenerator<TailItem> {
    return this.tail(id, { ...options, live: true });
  }

  /** Publishes a signed snapshot of the state after `upTo`; compacts events ≤ upTo unless compact: false. */
  async snapshot(
    id: JournalId,
    options: { upTo: number; state: Uint8Array; compact?: boolean; signal?: AbortSignal },
  ): Promise<Snapshot> {
    throwIfAborted(options.signal);
    const snap = await this.store.snapshot(id, this.#writer(), { upTo: options.upTo, state: options.state });
    if (options.compact !== false) await this.store.compact(id, options.upTo);
    return snap;
  }

  /** Deletes events ≤ upTo (at most up to the stored snapshot). Returns the first kept seq. */
  compact(id: JournalId, upTo?: number): Promise<number> {
    this.info(id);
    return this.store.compact(id, upTo);
  }

  getSnapshot(id: JournalId): Promise<Snapshot | undefined> {
    this.info(id);
    return this.store.snapshotOf(id);
  }

  list(): JournalInfo[] {
    return this.store.list();
  }

  info(id: JournalId): JournalInfo {
    parseJournalId(id);
    const info = this.store.info(id);
    if (!info) throw new MurmurError('MURMUR_JOURNAL_NOT_FOUND', `no journal ${id}`, { details: { id } });
    return info;
  }

  /** Every event committed to any journal held here (own or followed), live. */
  firehose(options: { from?: 'now' | 'start'; signal?: AbortSignal } = {}): AsyncGenerator<FirehoseItem> {
    return firehose(this.store, options);
  }

  /** True if this node holds the key of journal `id`. */
  isOwn(id: JournalId): boolean {
    return this.writer !== undefined && bytesEqual(parseJournalId(id).writer, this.writer.publicKey);
  }
}
