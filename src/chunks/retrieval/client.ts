import '../codes.ts';
import { MurmurError } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import type { ServicePeer } from '../../service/context.ts';
import { strikeFor } from '../../service/strikes.ts';
import { FrameReader } from '../../streamer/channel.ts';
import { equalBytes, hex, isValidChunk } from '../chunk.ts';
import {
  RETRIEVAL_ATTEMPTS,
  RETRIEVAL_MAX_MESSAGE,
  RETRIEVAL_PROTOCOLS,
  RETRIEVAL_RETRY_MS,
  RETRIEVAL_TIMEOUT_MS,
} from './constants.ts';
import { decodeRetrieval, encodeRetrieval } from './messages.ts';
import type { FetchOptions, RetrievalOptions, RetrievalStats } from './types.ts';

/** XOR distance comparison: negative when a is closer to target than b. */
export function closer(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ (target[i] ?? 0);
    const db = (b[i] ?? 0) ^ (target[i] ?? 0);
    if (da !== db) return da - db;
  }
  return 0;
}

/** One request for an address shared by its concurrent callers. */
interface SharedFetch {
  p: Promise<Uint8Array | undefined>;
  ac: AbortController;
  waiters: number;
}

/**
 * The asking side: tries the closest active peers (XOR distance) in turn, each attempt with its
 * timeout; with fewer peers than attempts, a peer whose attempt failed in transit is asked again
 * after a pause. Deliveries are verified and cached in the store.
 */
export class RetrievalClient {
  readonly #o: RetrievalOptions;
  readonly #stats: RetrievalStats;
  readonly #log: Logger;
  readonly #inflight = new Map<string, SharedFetch>();

  constructor(options: RetrievalOptions, stats: RetrievalStats) {
    this.#o = options;
    this.#stats = stats;
    this.#log = options.logger ?? silentLogger;
  }

  /**
   * Asks the network (no local lookup); concurrent asks for one address share the request. Each
   * caller's signal ends only its own wait; the shared request (its attempts in flight) is aborted
   * once every caller waiting on it has aborted (an aborted download stops what only it needed).
   */
  fetch(address: Uint8Array, options: FetchOptions): Promise<Uint8Array | undefined> {
    if (options.skip !== undefined) return this.#fetch(address, options); // a forwarded request: never shared
    const key = hex(address);
    let shared = this.#inflight.get(key);
    if (shared === undefined || shared.ac.signal.aborted) {
      const ac = new AbortController();
      const s: SharedFetch = { ac, waiters: 0, p: Promise.resolve(undefined) };
      s.p = this.#fetch(address, { ...options, signal: ac.signal }).finally(() => {
        if (this.#inflight.get(key) === s) this.#inflight.delete(key);
      });
      s.p.catch(() => {}); // every waiter gets it below
      this.#inflight.set(key, s);
      shared = s;
    }
    return this.#join(key, shared, options.signal);
  }

  /** Waits on a shared request until it settles or `signal` aborts (the last waiter aborts it). */
  #join(key: string, s: SharedFetch, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    s.waiters++;
    return new Promise((resolve, reject) => {
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        signal?.removeEventListener('abort', onAbort);
        if (--s.waiters > 0) return;
        s.ac.abort(new MurmurError('MURMUR_ABORTED', 'retrieval aborted'));
        if (this.#inflight.get(key) === s) this.#inflight.delete(key);
      };
      const onAbort = (): void => {
        leave();
        reject(new MurmurError('MURMUR_ABORTED', 'retrieval aborted'));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      s.p.then(
        (v) => {
          leave();
          resolve(v);
        },
        (err: unknown) => {
          leave();
          reject(err);
        },
      );
    });
  }

  async #fetch(address: Uint8Array, options: FetchOptions): Promise<Uint8Array | undefined> {
    const { ctx } = this.#o;
    const skip = [...(options.skip ?? []), ctx.overlay];
    const candidates = ctx
      .peers()
      .filter((p) => p.peerId !== options.exclude && !skip.some((s) => equalBytes(s, p.overlay)))
      .sort((a, b) => closer(address, a.overlay, b.overlay));
    const attempts = this.#o.attempts ?? RETRIEVAL_ATTEMPTS;
    /** Peers whose attempt failed in transit (not those that answered not-found or misbehaved). */
    const failed: ServicePeer[] = [];
    for (let n = 0; n < attempts; n++) {
      if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'retrieval aborted');
      let peer = candidates[n];
      if (peer === undefined) {
        // fewer peers than attempts: ask one that failed in transit again, after a pause
        peer = failed.shift();
        if (peer === undefined) break;
        await ctx.clock
          .sleep(RETRIEVAL_RETRY_MS * (n - candidates.length + 1), { signal: options.signal })
          .catch(() => {}); // an abort ends the pause early
        if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'retrieval aborted');
      }
      let data: Uint8Array | undefined;
      try {
        data = await this.#ask(peer, address, options.hops, skip, options.signal);
      } catch (err) {
        this.#log.debug({ peer: peer.peerId, err }, 'retrieval attempt failed');
        failed.push(peer);
        continue;
      }
      if (data !== undefined) {
        await this.#o.store.put({ address, data }, { verify: false }).catch(() => {});
        return data;
      }
    }
    return undefined;
  }

  async #ask(
    peer: ServicePeer,
    address: Uint8Array,
    hops: number,
    skip: Uint8Array[],
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array | undefined> {
    const timeoutMs = this.#o.timeoutMs ?? RETRIEVAL_TIMEOUT_MS;
    const signals = [this.#o.ctx.clock.timeout(timeoutMs * Math.max(1, hops))];
    if (signal !== undefined) signals.push(signal);
    const sig = AbortSignal.any(signals);
    const ch = await this.#o.ctx.dial(peer.peerId, RETRIEVAL_PROTOCOLS, {
      signal: sig,
      maxMessageBytes: RETRIEVAL_MAX_MESSAGE,
    });
    try {
      await ch.send(encodeRetrieval({ type: 'request', address, hops, skip }), { signal: sig });
      this.#stats.forwarded++;
      const reply = decodeRetrieval(
        await new FrameReader(ch, { clock: this.#o.ctx.clock }).next({ signal: sig }),
      );
      if (reply.type === 'not-found') return undefined;
      if (reply.type !== 'delivery') {
        strikeFor(this.#o.ctx, peer.peerId, 'MURMUR_CHUNKS_BAD_MESSAGE'); // out of protocol order
        return undefined;
      }
      if (!isValidChunk(address, reply.data)) {
        this.#stats.invalid++;
        strikeFor(this.#o.ctx, peer.peerId, 'MURMUR_CHUNKS_BAD_CHUNK');
        return undefined;
      }
      return reply.data;
    } catch (err) {
      strikeFor(this.#o.ctx, peer.peerId, err); // an undecodable reply; churn is not struck
      throw err;
    } finally {
      ch.close();
    }
  }
}
