import './codes.ts';
import { toHex } from '../bytes/index.ts';
import type { JournalEvent, Snapshot } from './event.ts';
import type { JournalId } from './id.ts';
import { type JsonEvent, parseJsonPayload } from './journals.ts';
import type { JournalInfo } from './meta.ts';
import type { JournalsService } from './service.ts';
import type { TailItem } from './tail.ts';

/** Options every journals call takes. */
export interface JournalCallOptions {
  /** Cancels the call (MURMUR_ABORTED); a follow ends when it fires. */
  signal?: AbortSignal;
}

/** What `read()` takes: an inclusive range of sequence numbers, at most `limit` events. */
export interface JournalReadOptions extends JournalCallOptions {
  /** First seq wanted (default 1). */
  from?: number;
  /** Last seq wanted (default the head). */
  to?: number;
  /** Most events returned (default 10,000). */
  limit?: number;
}

/** What `follow()` takes. */
export interface JournalFollowOptions extends JournalCallOptions {
  /** First seq wanted (default 1: the whole journal, the snapshot first if it was compacted). */
  from?: number;
}

/** What `snapshot()` publishes: the state after event `upTo`. */
export interface JournalSnapshotOptions extends JournalCallOptions {
  upTo: number;
  /** The state (a string is stored as its UTF-8). */
  state: Uint8Array | string;
  /** Delete the events ≤ upTo once the snapshot is stored (default true). */
  compact?: boolean;
}

/** An event payload: bytes, or the JSON convenience `{ e: name, p: payload }`. */
export type JournalPayload = Uint8Array | JsonEvent;

const utf8 = new TextEncoder();
const ended = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/**
 * The typed library API of journals (signed, hash-chained append-only event streams), what
 * `murmur journal` does, on a running node: `node.journals` when the node runs a JournalsService
 * (or `new JournalsApi(service)`). A journal id is `<writer hex>/<name>`; a node writes the journals
 * of its own writer key and follows others' from peers. Errors are MurmurErrors with
 * MURMUR_JOURNAL_* codes (docs/ERRORS.md).
 *
 * @example
 * ```ts
 * const { id } = await node.journals.create('orders');
 * await node.journals.append(id, { e: 'created', p: { n: 1 } });
 * for await (const item of other.journals.follow(id, { signal })) console.log(item);
 * ```
 */
export class JournalsApi {
  readonly #service: JournalsService;

  constructor(service: JournalsService) {
    this.#service = service;
  }

  /** Public key (hex) of this node's writer key, the first half of its journals' ids. */
  get writer(): string | undefined {
    const w = this.#service.journals.writer;
    return w === undefined ? undefined : toHex(w.publicKey);
  }

  /** The id this node's journal `name` has (`<writer hex>/<name>`). */
  idOf(name: string): JournalId {
    return this.#service.journals.idOf(name);
  }

  /** Journals held here, own and followed. */
  list(): JournalInfo[] {
    return this.#service.journals.list();
  }

  /** What this node holds of journal `id` (MURMUR_JOURNAL_NOT_FOUND if nothing). */
  info(id: JournalId): JournalInfo {
    return this.#service.journals.info(id);
  }

  /** Creates this node's journal `name` (MURMUR_JOURNAL_EXISTS if it is there). */
  create(name: string, options: JournalCallOptions = {}): Promise<JournalInfo> {
    return this.#service.journals.create(name, signalOf(options));
  }

  /** Appends one event to an own journal; the event with its seq and hash. */
  append(id: JournalId, payload: JournalPayload, options: JournalCallOptions = {}): Promise<JournalEvent> {
    return this.#service.append(id, payload, signalOf(options));
  }

  /** Appends events atomically (consecutive seqs, at most 100,000 at once). */
  appendBatch(
    id: JournalId,
    payloads: JournalPayload[],
    options: JournalCallOptions = {},
  ): Promise<JournalEvent[]> {
    return this.#service.appendBatch(id, payloads, signalOf(options));
  }

  /**
   * Events from..to held here, preceded by the snapshot when `from` lies before the compaction
   * point (the events then start after it).
   */
  read(
    id: JournalId,
    options: JournalReadOptions = {},
  ): Promise<{ snapshot?: Snapshot; events: JournalEvent[] }> {
    const { signal: _s, ...range } = options;
    return this.#service.journals.read(id, { ...range, ...signalOf(options) });
  }

  /**
   * The journal's history from `from`, then each new event as it is appended here or arrives from
   * a peer, in order, with no gap and no duplicate; ends when `signal` fires. A journal this node
   * does not hold yet is followed from peers first (`murmur journal follow`).
   */
  async *follow(id: JournalId, options: JournalFollowOptions = {}): AsyncGenerator<TailItem> {
    const { signal } = options;
    if (ended(signal)) return;
    await this.#service.ensureFollowed(id);
    try {
      yield* this.#service.journals.follow(id, {
        ...(options.from === undefined ? {} : { from: options.from }),
        ...signalOf(options),
      });
    } catch (err) {
      if (!ended(signal)) throw err;
    }
  }

  /**
   * Publishes a signed snapshot of an own journal's state after event `upTo`, and compacts the
   * events it covers unless `compact: false`.
   */
  snapshot(id: JournalId, options: JournalSnapshotOptions): Promise<Snapshot> {
    const state = typeof options.state === 'string' ? utf8.encode(options.state) : options.state;
    return this.#service.journals.snapshot(id, {
      upTo: options.upTo,
      state,
      ...(options.compact === undefined ? {} : { compact: options.compact }),
      ...signalOf(options),
    });
  }

  /** The latest snapshot held of journal `id`, if any. */
  latestSnapshot(id: JournalId): Promise<Snapshot | undefined> {
    return this.#service.journals.getSnapshot(id);
  }

  /** The `{ e, p }` of a payload appended as a JSON event, or undefined for other bytes. */
  static json(payload: Uint8Array): JsonEvent | undefined {
    return parseJsonPayload(payload);
  }
}

function signalOf(options: JournalCallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}
