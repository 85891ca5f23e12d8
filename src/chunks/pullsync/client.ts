import '../codes.ts';
import { randomInt } from 'node:crypto';
import { type Clock, systemClock } from '../../clock/index.ts';
import { isMurmurError, MurmurError, strikeKindOf } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { type Dialer, FrameReader } from '../../streamer/channel.ts';
import { type Chunk, hex, isValidChunk } from '../chunk.ts';
import { BIN_COUNT } from '../constants.ts';
import { type ChunkStore, originTag } from '../store.ts';
import {
  CANCEL_TIMEOUT_MS,
  CURSORS_TIMEOUT_MS,
  DELIVERY_TIMEOUT_MS,
  RECORD_STEP,
  WINDOWS_AHEAD,
} from './constants.ts';
import { InFlight } from './inflight.ts';
import { encode, expect, makeBitvector, splitHashes } from './messages.ts';
import { PullSyncStats } from './stats.ts';

export interface ClientOptions {
  /** Opens a new channel to a peer for one request. */
  dial: Dialer;
  store: ChunkStore;
  /** Shared by every peer's syncers so a chunk offered by several peers is transferred once. */
  inflight?: InFlight;
  stats?: PullSyncStats;
  logger?: Logger;
  deliveryTimeoutMs?: number;
  /** Called for each delivered chunk whose data does not hash to its address (penalise the peer). */
  onInvalidChunk?: (peer: string, address: Uint8Array) => void;
  /** Deliveries stored (and reported through onStored) per step while a page streams in. */
  recordStep?: number;
  /** Windows wanted ahead of the one being stored and recorded (default WINDOWS_AHEAD). */
  windowsAhead?: number;
  /** Time of the read timeouts (default the system clock; the service passes `ctx.clock`). */
  clock?: Clock;
}

/** Offer positions [start, end) wanted with one Want message; `left` deliveries still due. */
interface Window {
  start: number;
  end: number;
  want: number[];
  left: number;
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

/** A fresh random request id. */
export function randomRuid(): number {
  return randomInt(0, 2 ** 32 - 1);
}

/**
 * True for errors worth retrying the same range for (with backoff): connection loss, a stream reset,
 * timeouts, a failed dial, the peer shutting down, our own storage failures and an in-flight chunk
 * that another peer failed to deliver — everything that is not misbehaviour by the error table.
 * Not retried: misbehaviour (a code with a strike kind: a protocol violation, an unsolicited chunk,
 * an undecodable or oversized message) and a peer that does not serve pull-sync at all.
 */
export function isRetryable(err: unknown): boolean {
  if (!isMurmurError(err)) return true; // transport errors from the stream layer
  return (
    strikeKindOf(err) === undefined &&
    err.code !== 'MURMUR_PROTOCOL_UNSUPPORTED' &&
    err.code !== 'MURMUR_INVALID_ARGUMENT'
  );
}

/** The downstream side of pull-sync (bee's Interface: GetCursors, SyncInterval, CancelRuid). */
export class PullSyncClient {
  readonly stats: PullSyncStats;
  readonly inflight: InFlight;
  readonly #dial: Dialer;
  readonly #store: ChunkStore;
  readonly #log: Logger;
  readonly #deliveryTimeoutMs: number;
  readonly #onInvalid: ((peer: string, address: Uint8Array) => void) | undefined;
  readonly #recordStep: number;
  readonly #depth: number;
  readonly #clock: Clock;

  constructor(options: ClientOptions) {
    this.#dial = options.dial;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.inflight = options.inflight ?? new InFlight();
    this.stats = options.stats ?? new PullSyncStats();
    this.#log = options.logger ?? silentLogger;
    this.#deliveryTimeoutMs = options.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS;
    this.#onInvalid = options.onInvalidChunk;
    this.#recordStep = Math.max(1, options.recordStep ?? RECORD_STEP);
    this.#depth = Math.max(1, options.windowsAhead ?? WINDOWS_AHEAD);
  }

  /** The peer's cursor (highest bin ID) of every bin. */
  async getCursors(peer: string, options: { signal?: AbortSignal } = {}): Promise<bigint[]> {
    const channel = await this.#dial(peer, options);
    try {
      await channel.send(encode({ case: 'syn', value: {} }), options);
      const ack = expect(
        await new FrameReader(channel, { clock: this.#clock }).next({
          signal: options.signal,
          timeoutMs: CURSORS_TIMEOUT_MS,
        }),
        'ack',
      );
      const cursors = [...ack.cursors];
      while (cursors.length < BIN_COUNT) cursors.push(0n);
      return cursors;
    } finally {
      channel.close();
    }
  }

  /** Asks the peer to stop the request `ruid`. */
  async cancelRuid(peer: string, ruid: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const channel = await this.#dial(peer, options);
    try {
      await channel.send(encode({ case: 'cancel', value: { ruid } }), options);
    } finally {
      channel.close();
    }
  }

  /**
   * Syncs one page of bin IDs from..to of a bin from the peer; resolves with the highest bin ID the
   * page covered (record [from, topmost] as synced) and the ruid used. Chunks that fail verification
   * are skipped, counted and reported; the rest of the page is stored.
   *
   * The offer is wanted in windows of up to `recordStep` chunks (one Want each, a whole number of
   * bitvector bytes): window k + windowsAhead is wanted only once window k is stored and recorded,
   * so windows are stored while the next ones stream in and at most windowsAhead (default 2) are
   * delivered but unrecorded. After each
   * window, `onStored(upto)` is awaited with the highest bin ID below which every offered chunk is
   * now stored: the upstream's bin IDs strictly increase through an offer, so offered hash i has bin
   * ID ≥ from + i and [from, from + end - 1] is safe to record. A kill -9 therefore re-transfers at
   * most windowsAhead × recordStep chunks of a page, however large the page.
   */
  async syncInterval(
    peer: string,
    bin: number,
    from: bigint,
    to: bigint,
    options: {
      signal?: AbortSignal;
      ruid?: number;
      onStored?: (upto: bigint) => Promise<void>;
    } = {},
  ): Promise<{ topmost: bigint; ruid: number }> {
    if (bin < 0 || bin >= BIN_COUNT || to < from) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'bad bin or range', { details: { bin } });
    }
    const { signal, onStored } = options;
    const ruid = options.ruid ?? randomRuid();
    const channel = await this.#dial(peer, { signal });
    const claimed = new Map<string, Uint8Array>();
    const valid: Chunk[] = [];
    const validKeys: string[] = [];
    const origin = originTag(peer);
    let chain: Promise<void> = Promise.resolve();
    let chainError: unknown;
    try {
      await channel.send(encode({ case: 'ruid', value: { ruid } }), { signal });
      await channel.send(encode({ case: 'getRange', value: { bin, from, to } }), { signal });
      const reader = new FrameReader(channel, { clock: this.#clock });
      const offer = expect(await reader.next({ signal }), 'offer');
      const addrs = splitHashes(offer.hashes);
      if (offer.topmost > to || (addrs.length > 0 && offer.topmost < from)) {
        throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', 'offer topmost outside the requested range');
      }
      if (BigInt(addrs.length) > to - from + 1n) {
        throw new MurmurError('MURMUR_CHUNKS_INVALID_OFFER', 'more hashes offered than the range holds');
      }
      if (addrs.length === 0) return { topmost: offer.topmost, ruid };
      const have = await this.#store.hasMany(addrs);
      this.stats.dbOps++;
      /** Offer positions of chunks another syncer is fetching (ascending). */
      const elsewhere: number[] = [];
      /** Hex of the claimed offer positions (computed once per chunk). */
      const keys: string[] = [];
      const windows: Window[] = [];
      let cur: number[] = [];
      let start = 0;
      for (const [i, a] of addrs.entries()) {
        if (have[i]) continue;
        const key = hex(a);
        if (!this.inflight.claim(a, key)) {
          elsewhere.push(i);
          continue;
        }
        keys[i] = key;
        claimed.set(key, a);
        const last = cur.at(-1);
        if (last !== undefined && cur.length >= this.#recordStep && i >= roundUp8(last + 1)) {
          windows.push({ start, end: roundUp8(last + 1), want: cur, left: cur.length });
          start = roundUp8(last + 1);
          cur = [];
        }
        cur.push(i);
      }
      windows.push({ start, end: addrs.length, want: cur, left: cur.length });
      const windowOf = new Map<string, number>();
      for (const [k, w] of windows.entries()) for (const i of w.want) windowOf.set(keys[i]!, k);
      const pending = new Set<string>();
      const sendWant = async (k: number): Promise<void> => {
        const w = windows[k];
        if (w === undefined) return;
        for (const i of w.want) pending.add(keys[i]!);
        const bitvector = makeBitvector(
          w.end - w.start,
          w.want.map((i) => i - w.start),
        );
        await channel.send(encode({ case: 'want', value: { bitvector } }), { signal });
        this.stats.wanted += w.want.length;
      };
      let checked = 0;
      const checkElsewhere = async (below: number): Promise<void> => {
        for (; checked < elsewhere.length && elsewhere[checked]! < below; checked++) {
          const a = addrs[elsewhere[checked]!]!;
          if (!(await this.inflight.settled(a)) && !(await this.#store.has(a))) {
            throw new MurmurError(
              'MURMUR_CHUNKS_IN_FLIGHT_FAILED',
              'a chunk fetched elsewhere did not arrive',
              { details: { address: hex(a) } },
            );
          }
        }
      };
      // window k is stored, then recorded (onStored), then window k + windowsAhead is wanted: at
      // most windowsAhead windows are delivered and not yet recorded
      const complete = (k: number): void => {
        const w = windows[k]!;
        const batch = valid.splice(0);
        const batchKeys = validKeys.splice(0);
        chain = chain.then(async () => {
          await this.#storeValid(batch, batchKeys, claimed, origin);
          await checkElsewhere(w.end);
          if (onStored) await onStored(from + BigInt(w.end - 1));
          await sendWant(k + this.#depth);
        });
        chain.catch((err: unknown) => {
          chainError ??= err;
          channel.close(); // ends the reader below
        });
      };
      for (let k = 0; k < this.#depth; k++) await sendWant(k);
      let done = 0;
      while (done < windows.length && windows[done]!.left === 0) complete(done++);
      while (done < windows.length) {
        const frame =
          reader.tryNext(signal) ?? (await reader.next({ signal, timeoutMs: this.#deliveryTimeoutMs }));
        const d = expect(frame, 'delivery');
        const key = hex(d.address);
        if (!pending.delete(key)) {
          this.stats.unsolicited++;
          throw new MurmurError('MURMUR_CHUNKS_UNSOLICITED', 'peer sent unsolicited chunk', {
            details: { peer, address: key },
          });
        }
        windows[windowOf.get(key)!]!.left--;
        if (!isValidChunk(d.address, d.data)) {
          this.stats.invalid++;
          this.#log.debug({ peer, address: key }, 'pullsync: invalid chunk skipped');
          this.#onInvalid?.(peer, d.address);
          claimed.delete(key);
          this.inflight.release(d.address, false, key);
        } else {
          valid.push({ address: d.address, data: d.data });
          validKeys.push(key);
        }
        while (done < windows.length && windows[done]!.left === 0) complete(done++);
      }
      await chain;
      await checkElsewhere(addrs.length);
      return { topmost: offer.topmost, ruid };
    } catch (err) {
      // the caller no longer needs this interval (a bin that left the depth, a peer that left the
      // neighbourhood, a stopped retrieval): tell the upstream by ruid so it stops reading and
      // sending now, not only when it notices the closed stream
      if (signal?.aborted) this.#sendCancel(peer, ruid);
      // keep what arrived intact; the range will be asked again
      await chain.catch(() => {});
      if (valid.length > 0 && claimed.size > 0)
        await this.#storeValid(valid, validKeys, claimed, origin).catch(() => {});
      throw chainError ?? err;
    } finally {
      for (const [key, a] of claimed) this.inflight.release(a, false, key);
      channel.close();
    }
  }

  /** Sends CancelRuid in the background, bounded by CANCEL_TIMEOUT_MS; a failure only counts as churn. */
  #sendCancel(peer: string, ruid: number): void {
    this.stats.cancelsSent++;
    void this.cancelRuid(peer, ruid, { signal: this.#clock.timeout(CANCEL_TIMEOUT_MS) }).catch(
      (err: unknown) => {
        this.#log.debug({ peer, ruid, err }, 'pullsync: cancel not delivered');
      },
    );
  }

  /** Stores verified chunks (`keys[i]` = hex of chunk i's address) and ends their claims. */
  async #storeValid(
    valid: Chunk[],
    keys: string[],
    claimed: Map<string, Uint8Array>,
    origin: Uint8Array,
  ): Promise<void> {
    if (valid.length === 0) return;
    await this.#store.putMany(valid, { verify: false, origin });
    this.stats.dbOps++;
    this.stats.delivered += valid.length;
    for (const [i, c] of valid.entries()) {
      const key = keys[i]!;
      claimed.delete(key);
      this.inflight.release(c.address, true, key);
    }
    valid.length = 0;
    keys.length = 0;
  }
}
