import { MurmurError } from '../../errors/index.ts';
import { decodeItem, type EventRecord, encodeSnapshotItem, type Snapshot } from '../event.ts';
import type { JournalId } from '../id.ts';
import { bytesEqual, sha256, toHex } from '../keys.ts';
import type { JournalStore } from '../store.ts';
import type { Consumer, Provider } from './session.ts';

/** Bytes of segments offered in one streamer batch at most (besides the 128-hash limit). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Upstream side of one journal stream: index = sequence number. From before the snapshot's upTo it
 * offers the snapshot (one item covering ..upTo), then verifiable segments (each ends with a signed
 * event, hash offered = that event's hash), then waits for live appends.
 */
export class JournalProvider implements Provider {
  readonly #store: JournalStore;
  readonly #id: JournalId;
  readonly #maxBytes: number;
  readonly #cache = new Map<string, Uint8Array>();
  /** upTo of the last snapshot offered on this subscription (a newer one is pushed to live followers). */
  #pushed = 0;

  constructor(store: JournalStore, id: JournalId, options: { maxBatchBytes?: number } = {}) {
    this.#store = store;
    this.#id = id;
    this.#maxBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  }

  async batch(
    fromBig: bigint,
    _to: bigint,
    limit: number,
    { signal }: { signal: AbortSignal },
  ): Promise<{ hashes: Uint8Array[]; to: bigint }> {
    this.#cache.clear(); // the session asks for the next batch only once the last one is delivered
    if (fromBig > BigInt(MAX_SAFE)) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'sequence out of range');
    const from = Math.max(1, Number(fromBig));
    for (;;) {
      const info = this.#store.info(this.#id);
      if (!info) throw new MurmurError('MURMUR_JOURNAL_NOT_FOUND', `no journal ${this.#id}`);
      // From before the snapshot's upTo, the snapshot replaces the compacted events. A follower
      // already past a newer snapshot (live, or resuming after it) gets it pushed along with the next
      // events (an offer cannot cover no index), so it stores the snapshot and compacts too.
      let push: Uint8Array | undefined;
      if (info.snapshot > this.#pushed) {
        const snap = await this.#store.snapshotOf(this.#id);
        if (snap && snap.upTo > this.#pushed) {
          const bytes = encodeSnapshotItem(snap);
          const hash = sha256(bytes);
          this.#cache.set(toHex(hash), bytes);
          if (snap.upTo >= from) {
            this.#pushed = snap.upTo;
            return { hashes: [hash], to: BigInt(snap.upTo) };
          }
          push = hash;
        }
      }
      if (from <= info.head && from >= info.first) {
        const n = push ? Math.max(1, limit - 1) : limit;
        const segs = await this.#store.segments(this.#id, from, MAX_SAFE, n, this.#maxBytes);
        if (segs.length > 0) {
          for (const s of segs) this.#cache.set(toHex(s.hash), s.item);
          const hashes = segs.map((s) => s.hash);
          if (push) {
            this.#pushed = info.snapshot;
            hashes.unshift(push);
          }
          return { hashes, to: BigInt(segs.at(-1)!.last) };
        }
      }
      const now = this.#store.info(this.#id);
      if (now && (now.head !== info.head || now.first !== info.first || now.snapshot !== info.snapshot))
        continue;
      await this.#store.waiters.wait(this.#id, signal);
    }
  }

  async get(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#cache.get(toHex(hash));
  }
}

interface QueuedItem {
  events?: EventRecord[];
  snapshot?: Snapshot;
  size: number;
}

/**
 * Downstream side: decodes each delivered item, has the store verify and append it (signature, chain,
 * continuity with the verified head), reports progress. The first invalid item kills the consumer:
 * it wants nothing more from that peer and reports the fault once.
 */
export class JournalConsumer implements Consumer {
  dead = false;
  accepted = 0;
  readonly #store: JournalStore;
  readonly #id: JournalId;
  readonly #onProgress: (events: number) => void;
  readonly #onFault: (err: unknown) => void;
  readonly #onEnded: ((err: unknown) => void) | undefined;

  constructor(options: {
    store: JournalStore;
    id: JournalId;
    onProgress: (events: number) => void;
    onFault: (err: unknown) => void;
    /** The subscription ended on the streamer's side (session closed, stream refused). */
    onEnded?: (err: unknown) => void;
  }) {
    this.#store = options.store;
    this.#id = options.id;
    this.#onProgress = options.onProgress;
    this.#onFault = options.onFault;
    this.#onEnded = options.onEnded;
  }

  ended(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.#onEnded?.(err);
  }

  /** Items decoded and queued for the store but not applied yet, their bytes, and the drain loop. */
  readonly #queue: QueuedItem[] = [];
  #queuedBytes = 0;
  #draining = false;
  #chain: Promise<void> = Promise.resolve();

  /**
   * Answering the next offer only once the queue is below one batch keeps the transfer of batch n+1
   * overlapped with the verification and storage of batch n, with at most about two batches buffered.
   */
  async need(hashes: Uint8Array[]): Promise<boolean[]> {
    while (this.#queuedBytes > MAX_BATCH_BYTES && !this.dead) await this.#chain;
    return hashes.map(() => !this.dead);
  }

  /**
   * Decodes and checks the offered hash at once, then queues the store's verification and append
   * (in delivery order; the segments queued meanwhile are stored as one write). A fault found later
   * kills the consumer and drops what is queued.
   */
  async deliver(hash: Uint8Array, data: Uint8Array): Promise<boolean> {
    if (this.dead) return false;
    let queued: QueuedItem;
    try {
      const item = decodeItem(data);
      if (item.type === 'segment') {
        if (!bytesEqual(hash, item.events.at(-1)!.hash)) {
          throw new MurmurError('MURMUR_JOURNAL_FORGED', 'delivered segment does not match the offered hash');
        }
        queued = { events: item.events, size: data.length };
      } else {
        if (!bytesEqual(hash, sha256(data))) {
          throw new MurmurError(
            'MURMUR_JOURNAL_FORGED',
            'delivered snapshot does not match the offered hash',
          );
        }
        queued = { snapshot: item.snapshot, size: data.length };
      }
    } catch (err) {
      this.#kill(err);
      return false;
    }
    this.#queue.push(queued);
    this.#queuedBytes += queued.size;
    if (!this.#draining) this.#chain = this.#drain();
    return true;
  }

  /** Applies queued items: a snapshot alone, each run of segments as one store write. */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.dead) {
        const head = this.#queue[0]!;
        const stop = this.#queue.findIndex((q) => q.snapshot !== undefined);
        const run = this.#queue.splice(0, head.snapshot ? 1 : stop < 0 ? this.#queue.length : stop);
        try {
          const n = head.snapshot
            ? (await this.#store.applySnapshot(this.#id, head.snapshot))
              ? 1
              : 0
            : await this.#store.applySegments(
                this.#id,
                run.map((q) => q.events!),
              );
          this.accepted += n;
          this.#onProgress(n);
        } catch (err) {
          this.#kill(err);
        } finally {
          for (const q of run) this.#queuedBytes -= q.size;
        }
      }
    } finally {
      this.#queue.length = 0;
      this.#queuedBytes = 0;
      this.#draining = false;
    }
  }

  /** Resolves once every queued item has been applied (or dropped). */
  idle(): Promise<void> {
    return this.#chain;
  }

  #kill(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.#onFault(err);
  }
}
