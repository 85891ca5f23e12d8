import '../codes.ts';
import { type Clock, systemClock, type TimerHandle } from '../../clock/index.ts';
import { MurmurError, strikeKindOf } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { briefError } from '../../service/strikes.ts';
import { type FrameChannel, FrameReader } from '../../streamer/channel.ts';
import { equalBytes } from '../chunk.ts';
import { ADDRESS_SIZE } from '../constants.ts';
import { type ChunkStore, originTag, type PullItem } from '../store.ts';
import {
  CLOSE_TIMEOUT_MS,
  DELIVERY_READ_BATCH,
  MAX_OFFER_HASHES,
  PAGE_LIMIT,
  PAGE_WAIT_MS,
  READ_SCRATCH_BYTES,
  READ_SCRATCH_KEEP,
  REQUEST_TIMEOUT_MS,
  WANT_TIMEOUT_MS,
} from './constants.ts';
import { bitSet, decode, encode, encodeDelivery, encodeDeliveryHead, expect } from './messages.ts';
import { ScratchPool } from './scratch.ts';
import { PullSyncStats } from './stats.ts';

export interface ServerOptions {
  store: ChunkStore;
  pageLimit?: number;
  pageWaitMs?: number;
  wantTimeoutMs?: number;
  logger?: Logger;
  stats?: PullSyncStats;
  /** Time of the page waits, the Want deadline and close() (default the system clock; a service passes `ctx.clock`). */
  clock?: Clock;
  /** A request broken by the peer's misbehaviour (an error with a strike kind in the error table). */
  onMisbehaviour?: (peer: string, err: unknown) => void;
}

/**
 * Collects one page of a bin: up to `limit` entries from `from` to `to`, leaving out entries whose
 * origin is `skipOrigin` (chunks the requesting peer delivered itself). With nothing scanned yet it
 * waits (live); once a page has started it waits at most `waitMs` for it to fill. When everything up
 * to `to` has been read, topmost = `to`; otherwise the highest bin ID scanned (possibly with no items
 * when everything scanned was skipped).
 */
export async function collectPage(
  store: ChunkStore,
  bin: number,
  from: bigint,
  to: bigint,
  options: { limit: number; waitMs: number; signal?: AbortSignal; skipOrigin?: Uint8Array; clock?: Clock },
): Promise<{ items: PullItem[]; topmost: bigint }> {
  const clock = options.clock ?? systemClock;
  const items: PullItem[] = [];
  const skip = options.skipOrigin;
  let cur = from;
  let topmost = 0n;
  let scanned = false;
  let deadline: number | undefined;
  for (;;) {
    const top = store.cursor(bin);
    const want = options.limit - items.length;
    const page = await store.range(bin, cur, to, want);
    for (const it of page) {
      if (skip === undefined || it.origin === undefined || !equalBytes(it.origin, skip)) items.push(it);
    }
    const last = page.at(-1);
    if (last) {
      cur = last.binId + 1n;
      topmost = last.binId;
      scanned = true;
    }
    if (items.length >= options.limit) return { items, topmost };
    if (top >= to || (last && last.binId >= to)) return { items, topmost: to };
    if (page.length === want) continue; // more stored: keep scanning past skipped entries
    if (top >= cur) {
      // a short page read everything committed up to `top` (read before the range): bin IDs up to
      // it that did not come back were evicted, so they count as scanned (waiting for "an entry
      // after cur - 1" would return at once and spin)
      cur = top + 1n;
      topmost = top;
      scanned = true;
    }
    if (!scanned) {
      await store.waitForBin(bin, cur - 1n, { signal: options.signal });
      continue;
    }
    deadline ??= clock.now() + options.waitMs;
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { items, topmost };
    const more = await store.waitForBin(bin, cur - 1n, { signal: options.signal, timeoutMs: remaining });
    if (!more) return { items, topmost };
  }
}

/** A channel sending `head` ++ `body` as one frame without joining them first. */
interface JoinedSender {
  sendJoined(head: Uint8Array, body: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
}

function withTimeout<T>(clock: Clock, p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: TimerHandle | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () => {
        onTimeout();
        reject(new MurmurError('MURMUR_TIMEOUT', `no want within ${ms} ms`));
      },
      ms,
      { ref: true }, // a deadline the request awaits
    );
  });
  return Promise.race([p, t]).finally(() => clock.clearTimeout(timer));
}

/** The upstream side of pull-sync: answers cursors, serves ranges, honours CancelRuid. */
export class PullSyncServer {
  readonly stats: PullSyncStats;
  readonly #store: ChunkStore;
  readonly #log: Logger;
  readonly #limit: number;
  readonly #waitMs: number;
  readonly #wantTimeoutMs: number;
  readonly #running = new Map<string, Map<number, AbortController>>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  readonly #scratch = new ScratchPool(READ_SCRATCH_BYTES, READ_SCRATCH_KEEP);
  readonly #onMisbehaviour: ServerOptions['onMisbehaviour'];
  readonly #clock: Clock;

  constructor(options: ServerOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#onMisbehaviour = options.onMisbehaviour;
    this.#log = options.logger ?? silentLogger;
    this.#limit = Math.min(options.pageLimit ?? PAGE_LIMIT, MAX_OFFER_HASHES);
    this.#waitMs = options.pageWaitMs ?? PAGE_WAIT_MS;
    this.#wantTimeoutMs = options.wantTimeoutMs ?? WANT_TIMEOUT_MS;
    this.stats = options.stats ?? new PullSyncStats();
  }

  /** Requests of a peer running now (ruids). */
  running(peer: string): number[] {
    return [...(this.#running.get(peer)?.keys() ?? [])];
  }

  /**
   * Serves one incoming stream from `peer`. Never throws: a misbehaving peer is logged and its stream
   * closed. Resolves when the exchange is over.
   */
  handle(peer: string, channel: FrameChannel): Promise<void> {
    const p = this.#handle(peer, channel).finally(() => {
      this.#handlers.delete(p);
    });
    this.#handlers.add(p);
    return p;
  }

  async #handle(peer: string, channel: FrameChannel): Promise<void> {
    const reader = new FrameReader(channel, { clock: this.#clock });
    const signal = this.#closing.signal;
    try {
      const first = decode(await reader.next({ signal, timeoutMs: REQUEST_TIMEOUT_MS }));
      switch (first.case) {
        case 'syn':
          await channel.send(encode({ case: 'ack', value: { cursors: this.#store.cursors() } }));
          return;
        case 'cancel':
          this.#cancel(peer, first.value.ruid);
          return;
        case 'ruid':
          await this.#serve(peer, first.value.ruid, reader, channel);
          return;
        default:
          throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', `unexpected first message ${first.case}`);
      }
    } catch (err) {
      // misbehaviour by the error table goes to onMisbehaviour (struck, logged rate-limited);
      // churn (a closed stream, an abort, a timeout) only to debug
      if (strikeKindOf(err) !== undefined) {
        this.stats.badRequests++;
        this.#onMisbehaviour?.(peer, err);
      }
      this.#log.debug({ peer, err: briefError(err) }, 'pullsync: request ended');
    } finally {
      channel.close();
    }
  }

  async #serve(peer: string, ruid: number, reader: FrameReader, channel: FrameChannel): Promise<void> {
    let byRuid = this.#running.get(peer);
    if (!byRuid) {
      byRuid = new Map();
      this.#running.set(peer, byRuid);
    }
    if (byRuid.has(ruid)) {
      this.stats.duplicateRuids++;
      throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', 'duplicate ruid', { details: { ruid } });
    }
    const ac = new AbortController();
    const onClose = (): void => ac.abort();
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    byRuid.set(ruid, ac);
    const signal = ac.signal;
    try {
      const range = expect(await reader.next({ signal, timeoutMs: REQUEST_TIMEOUT_MS }), 'getRange');
      // read ahead: the Want, or the end of the stream, which stops a page still waiting for chunks
      const nextFrame = reader.next({ signal });
      nextFrame.catch(() => ac.abort());
      const { items, topmost } = await collectPage(this.#store, range.bin, range.from, range.to, {
        limit: this.#limit,
        waitMs: this.#waitMs,
        signal,
        skipOrigin: originTag(peer),
        clock: this.#clock,
      });
      const hashes = new Uint8Array(items.length * ADDRESS_SIZE);
      for (const [i, it] of items.entries()) hashes.set(it.address, i * ADDRESS_SIZE);
      await channel.send(encode({ case: 'offer', value: { topmost, hashes } }), { signal });
      this.stats.offered += items.length;
      if (items.length === 0) return;
      // the downstream wants the offer in windows: each Want covers the next 8 × length positions
      // (one Want of ceil(n / 8) bytes covers the whole offer)
      let frame: Promise<Uint8Array> = nextFrame;
      for (let pos = 0; pos < items.length; ) {
        const want = expect(
          await withTimeout(this.#clock, frame, this.#wantTimeoutMs, () => channel.close()),
          'want',
        );
        const bv = want.bitvector;
        if (bv.length === 0 || bv.length > Math.ceil((items.length - pos) / 8)) {
          throw new MurmurError(
            'MURMUR_CHUNKS_BAD_MESSAGE',
            'want bitvector length does not match the offer',
          );
        }
        const span = Math.min(bv.length * 8, items.length - pos);
        const wanted: PullItem[] = [];
        for (let i = 0; i < span; i++) if (bitSet(bv, i)) wanted.push(items[pos + i]!);
        pos += span;
        if (pos < items.length) {
          frame = reader.next({ signal });
          frame.catch(() => ac.abort());
        }
        await this.#deliver(wanted, channel, signal);
      }
    } finally {
      this.#closing.signal.removeEventListener('abort', onClose);
      byRuid.delete(ruid);
      if (byRuid.size === 0) this.#running.delete(peer);
    }
  }

  /** Sends the wanted chunks in order, reading them in slices (the next read while one is sent). */
  async #deliver(wanted: PullItem[], channel: FrameChannel, signal: AbortSignal): Promise<void> {
    // storage reads in slices (a cancel is noticed between them), the next slice read while the
    // current one is sent. Two scratch buffers are taken in turn: a slice is read into one while
    // the other's chunks are sent, and every send below has copied its data when it returns
    // sized to the request: the largest slice's data (segment locations), nothing without locations
    // (data read through the index never uses the buffer), at most READ_SCRATCH_BYTES
    let need = 0;
    for (let at = 0; at < wanted.length && need < READ_SCRATCH_BYTES; at += DELIVERY_READ_BATCH) {
      let slice = 0;
      for (const it of wanted.slice(at, at + DELIVERY_READ_BATCH)) slice += it.location?.length ?? 0;
      need = Math.max(need, slice);
    }
    const scratch = [this.#scratch.take(need), this.#scratch.take(need)] as const;
    let turn = 0;
    const read = (at: number): Promise<(Uint8Array | undefined)[]> | undefined => {
      if (at >= wanted.length) return undefined;
      this.stats.dbOps++;
      const into = scratch[turn++ % 2];
      const p = this.#store.readPulled(wanted.slice(at, at + DELIVERY_READ_BATCH), { into });
      p.catch(() => {}); // awaited below
      return p;
    };
    // a channel that can send a frame in two parts gets the payload copied once (StreamChannel)
    const joined = (channel as Partial<JoinedSender>).sendJoined?.bind(channel);
    const trySend = channel.trySend?.bind(channel);
    let next = read(0);
    try {
      for (let s = 0; next !== undefined; s += DELIVERY_READ_BATCH) {
        if (signal.aborted) throw new MurmurError('MURMUR_STREAMER_CANCELLED', 'request cancelled');
        const datas = await next;
        next = read(s + DELIVERY_READ_BATCH);
        for (let j = 0; j < datas.length; j++) {
          const data = datas[j];
          if (!data) throw new MurmurError('MURMUR_CHUNKS_NOT_FOUND', 'offered chunk no longer stored');
          if (signal.aborted) throw new MurmurError('MURMUR_STREAMER_CANCELLED', 'request cancelled');
          const address = wanted[s + j]!.address;
          // no promise per chunk while the transport takes them; wait only on back-pressure
          if (trySend?.(encodeDeliveryHead(address, data.length), data)) continue;
          if (joined) await joined(encodeDeliveryHead(address, data.length), data, { signal });
          else await channel.send(encodeDelivery(address, data), { signal });
        }
      }
    } finally {
      // a read still writing into a buffer keeps it out of the pool until it ends
      await next?.catch(() => {});
      for (const b of scratch) this.#scratch.give(b);
    }
  }

  #cancel(peer: string, ruid: number): void {
    const ac = this.#running.get(peer)?.get(ruid);
    if (!ac) return;
    this.stats.cancelled++;
    ac.abort(new MurmurError('MURMUR_STREAMER_CANCELLED', 'cancelled by ruid'));
  }

  /** Aborts running requests and waits (up to 10 s) for their handlers to finish. */
  async close(): Promise<void> {
    this.#closing.abort();
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.allSettled([...this.#handlers]),
      new Promise((r) => {
        timer = this.#clock.setTimeout(() => r(undefined), CLOSE_TIMEOUT_MS, { ref: true });
      }),
    ]);
    this.#clock.clearTimeout(timer);
  }
}
