import { randomInt } from 'node:crypto';
import { isMurmurError, MurmurError } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { type Dialer, FrameReader } from '../../streamer/channel.ts';
import { type Chunk, hex, isValidChunk } from '../chunk.ts';
import { BIN_COUNT } from '../constants.ts';
import type { ChunkStore } from '../store.ts';
import { CURSORS_TIMEOUT_MS, DELIVERY_TIMEOUT_MS } from './constants.ts';
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
}

/** A fresh random request id. */
export function randomRuid(): number {
  return randomInt(0, 2 ** 32 - 1);
}

/**
 * True for errors worth retrying the same range for: connection loss, timeouts, storage failures and
 * an in-flight chunk that another peer failed to deliver. Protocol violations are not retried.
 */
export function isRetryable(err: unknown): boolean {
  if (!isMurmurError(err)) return true; // transport errors from the stream layer
  return (
    err.code === 'MURMUR_STREAMER_CLOSED' ||
    err.code === 'MURMUR_TIMEOUT' ||
    err.code === 'MURMUR_IO' ||
    err.code === 'MURMUR_CHUNKS_STORAGE' ||
    err.code === 'MURMUR_CHUNKS_IN_FLIGHT_FAILED'
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

  constructor(options: ClientOptions) {
    this.#dial = options.dial;
    this.#store = options.store;
    this.inflight = options.inflight ?? new InFlight();
    this.stats = options.stats ?? new PullSyncStats();
    this.#log = options.logger ?? silentLogger;
    this.#deliveryTimeoutMs = options.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS;
    this.#onInvalid = options.onInvalidChunk;
  }

  /** The peer's cursor (highest bin ID) of every bin. */
  async getCursors(peer: string, options: { signal?: AbortSignal } = {}): Promise<bigint[]> {
    const channel = await this.#dial(peer, options);
    try {
      await channel.send(encode({ case: 'syn', value: {} }), options);
      const ack = expect(
        await new FrameReader(channel).next({ signal: options.signal, timeoutMs: CURSORS_TIMEOUT_MS }),
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
   */
  async syncInterval(
    peer: string,
    bin: number,
    from: bigint,
    to: bigint,
    options: { signal?: AbortSignal; ruid?: number } = {},
  ): Promise<{ topmost: bigint; ruid: number }> {
    if (bin < 0 || bin >= BIN_COUNT || to < from) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'bad bin or range', { details: { bin } });
    }
    const { signal } = options;
    const ruid = options.ruid ?? randomRuid();
    const channel = await this.#dial(peer, { signal });
    const claimed = new Map<string, Uint8Array>();
    const valid: Chunk[] = [];
    try {
      await channel.send(encode({ case: 'ruid', value: { ruid } }), { signal });
      await channel.send(encode({ case: 'getRange', value: { bin, from, to } }), { signal });
      const reader = new FrameReader(channel);
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
      const wantIdx: number[] = [];
      const elsewhere: Uint8Array[] = [];
      for (const [i, a] of addrs.entries()) {
        if (have[i]) continue;
        if (this.inflight.claim(a)) {
          claimed.set(hex(a), a);
          wantIdx.push(i);
        } else {
          elsewhere.push(a);
        }
      }
      await channel.send(
        encode({ case: 'want', value: { bitvector: makeBitvector(addrs.length, wantIdx) } }),
        {
          signal,
        },
      );
      this.stats.wanted += wantIdx.length;
      const pending = new Set(claimed.keys());
      while (pending.size > 0) {
        const d = expect(await reader.next({ signal, timeoutMs: this.#deliveryTimeoutMs }), 'delivery');
        const key = hex(d.address);
        if (!pending.delete(key)) {
          this.stats.unsolicited++;
          throw new MurmurError('MURMUR_CHUNKS_UNSOLICITED', 'peer sent unsolicited chunk', {
            details: { peer, address: key },
          });
        }
        if (!isValidChunk(d.address, d.data)) {
          this.stats.invalid++;
          this.#log.warn({ peer, address: key }, 'pullsync: invalid chunk skipped');
          this.#onInvalid?.(peer, d.address);
          claimed.delete(key);
          this.inflight.release(d.address, false);
          continue;
        }
        valid.push({ address: d.address, data: d.data });
      }
      await this.#storeValid(valid, claimed);
      for (const a of elsewhere) {
        if (!(await this.inflight.settled(a)) && !(await this.#store.has(a))) {
          throw new MurmurError(
            'MURMUR_CHUNKS_IN_FLIGHT_FAILED',
            'a chunk fetched elsewhere did not arrive',
            {
              details: { address: hex(a) },
            },
          );
        }
      }
      return { topmost: offer.topmost, ruid };
    } catch (err) {
      // keep what arrived intact; the range will be asked again
      if (valid.length > 0 && claimed.size > 0) await this.#storeValid(valid, claimed).catch(() => {});
      throw err;
    } finally {
      for (const a of claimed.values()) this.inflight.release(a, false);
      channel.close();
    }
  }

  async #storeValid(valid: Chunk[], claimed: Map<string, Uint8Array>): Promise<void> {
    if (valid.length === 0) return;
    await this.#store.putMany(valid, { verify: false });
    this.stats.dbOps++;
    this.stats.delivered += valid.length;
    for (const c of valid) {
      claimed.delete(hex(c.address));
      this.inflight.release(c.address, true);
    }
    valid.length = 0;
  }
}
