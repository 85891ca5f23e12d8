import { type Clock, systemClock } from '../clock/index.ts';
import { isMurmurError, MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { ServicePeer } from '../service/context.ts';
import { BIN_COUNT } from './constants.ts';
import type { IntervalStore } from './intervals/interval-store.ts';
import { isRetryable, type PullSyncClient } from './pullsync/client.ts';
import { RETRY_BACKOFF_MS } from './pullsync/constants.ts';
import type { PullSyncStats } from './pullsync/stats.ts';
import { streamKey, syncBin } from './pullsync/syncer.ts';

/**
 * Bins to pull from a peer (bee's rule): a peer outside the neighbourhood (po < depth) only its bin
 * po; a peer inside (po ≥ depth) every bin from depth up. Bins are the upstream's proximity bins.
 */
export function binsFor(po: number, depth: number): number[] {
  if (po < depth) return [po];
  const out: number[] = [];
  for (let b = depth; b < BIN_COUNT; b++) out.push(b);
  return out;
}

export interface PullerOptions {
  client: PullSyncClient;
  intervals: IntervalStore;
  stats: PullSyncStats;
  depth: () => number;
  logger?: Logger;
  backoffMs?: readonly number[];
  /** Time of the retry pauses (default the system clock; the service passes `ctx.clock`). */
  clock?: Clock;
  /**
   * A peer's sync stopped on a non-retryable error (misbehaviour by the error table: the callee
   * strikes it once per incident). Not called for churn (retried) nor for a peer that does not serve
   * pull-sync (listed by notServing()).
   */
  onFatal?: (peerId: string, err: unknown) => void;
}

interface PeerSync {
  peer: ServicePeer;
  abort: AbortController;
  cursors: bigint[] | undefined;
  bins: Map<number, AbortController>;
  ready: Promise<void>;
  /** The session was already reported to onFatal: one incident, one strike, however many bins. */
  reported: boolean;
}

/**
 * Subscription management: one PeerSync per active peer with one syncBin() per bin it must pull;
 * peers coming and going and depth changes add and drop bin subscriptions.
 */
export class Puller {
  readonly #o: PullerOptions;
  readonly #log: Logger;
  readonly #peers = new Map<string, PeerSync>();
  /** Active peers that do not serve pull-sync (a library node without the chunks service). */
  readonly #notServing = new Set<string>();
  #stopped = false;

  constructor(options: PullerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** Bins currently subscribed per peer id. */
  subscriptions(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [id, ps] of this.#peers) out[id] = [...ps.bins.keys()].sort((a, b) => a - b);
    return out;
  }

  /** Active peers that do not serve pull-sync (never struck for it; tried again on reconnect). */
  notServing(): string[] {
    return [...this.#notServing];
  }

  add(peer: ServicePeer): void {
    if (this.#stopped || this.#peers.has(peer.peerId)) return;
    const abort = new AbortController();
    const ps: PeerSync = {
      peer,
      abort,
      cursors: undefined,
      bins: new Map(),
      ready: Promise.resolve(),
      reported: false,
    };
    this.#peers.set(peer.peerId, ps);
    ps.ready = this.#loadCursors(ps).then(() => this.#reconcile(ps));
  }

  remove(peerId: string): void {
    const ps = this.#peers.get(peerId);
    if (ps === undefined) return;
    ps.abort.abort();
    this.#peers.delete(peerId);
    this.#notServing.delete(peerId);
    for (const bin of ps.bins.keys()) this.#o.stats.lag.delete(`${peerId}|${bin}`);
  }

  /** The depth changed: re-evaluate every peer's bins (cursors fetched again for new bins). */
  depthChanged(): void {
    for (const ps of this.#peers.values()) {
      ps.ready = ps.ready.then(async () => {
        await this.#loadCursors(ps);
        this.#reconcile(ps);
      });
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#peers.keys()]) this.remove(id);
  }

  async #loadCursors(ps: PeerSync): Promise<void> {
    const backoff = this.#o.backoffMs ?? RETRY_BACKOFF_MS;
    for (let failures = 0; !ps.abort.signal.aborted; failures++) {
      try {
        ps.cursors = await this.#o.client.getCursors(ps.peer.peerId, { signal: ps.abort.signal });
        return;
      } catch (err) {
        if (ps.abort.signal.aborted) return;
        if (isMurmurError(err, 'MURMUR_PROTOCOL_UNSUPPORTED')) {
          // not a fault: the peer runs without the chunks service
          this.#log.debug({ peer: ps.peer.peerId }, 'puller: peer does not serve pull-sync');
          this.#notServing.add(ps.peer.peerId);
          return;
        }
        if (!isRetryable(err)) {
          this.#log.debug({ peer: ps.peer.peerId, err }, 'puller: cursors refused');
          this.#fatal(ps, err);
          return;
        }
        const ms = backoff[Math.min(failures, backoff.length - 1)] ?? 1000;
        await (this.#o.clock ?? systemClock).sleep(ms, { signal: ps.abort.signal }).catch(() => {}); // an abort ends it
      }
    }
  }

  /** Reports the first fatal error of a peer session (the later ones, of other bins, are the same incident). */
  #fatal(ps: PeerSync, err: unknown): void {
    if (ps.reported) return;
    ps.reported = true;
    this.#o.onFatal?.(ps.peer.peerId, err);
  }

  #reconcile(ps: PeerSync): void {
    if (ps.abort.signal.aborted || ps.cursors === undefined) return;
    const want = new Set(binsFor(ps.peer.po, this.#o.depth()));
    for (const [bin, ac] of ps.bins) {
      if (want.has(bin)) continue;
      ac.abort();
      ps.bins.delete(bin);
      this.#o.stats.lag.delete(`${ps.peer.peerId}|${bin}`);
    }
    for (const bin of want) {
      if (ps.bins.has(bin)) continue;
      this.#startBin(ps, bin, ps.cursors[bin] ?? 0n);
    }
  }

  #startBin(ps: PeerSync, bin: number, cursor: bigint): void {
    const ac = new AbortController();
    ps.bins.set(bin, ac);
    const signal = AbortSignal.any([ac.signal, ps.abort.signal]);
    const peerId = ps.peer.peerId;
    const lagKey = `${peerId}|${bin}`;
    const { intervals, stats } = this.#o;
    // lag = what the peer had at the session start minus what is synced of it
    void intervals
      .get(peerId, streamKey(bin), 1n)
      .then((iv) => {
        const synced = iv.next(cursor).empty ? cursor : iv.next(cursor).start - 1n;
        stats.lag.set(lagKey, cursor > synced ? cursor - synced : 0n);
      })
      .catch(() => {});
    const opts: Parameters<typeof syncBin>[0] = {
      client: this.#o.client,
      intervals,
      peer: peerId,
      bin,
      cursor,
      signal,
      logger: this.#log,
      ...(this.#o.clock === undefined ? {} : { clock: this.#o.clock }),
      onFatal: (err) => {
        if (isMurmurError(err, 'MURMUR_PROTOCOL_UNSUPPORTED')) this.#notServing.add(peerId);
        else this.#fatal(ps, err);
      },
      onProgress: ({ topmost, live }) => {
        if (signal.aborted) return;
        const lag = live ? 0n : cursor > topmost ? cursor - topmost : 0n;
        const prev = stats.lag.get(lagKey);
        if (live || prev === undefined || lag < prev) stats.lag.set(lagKey, lag);
      },
    };
    if (this.#o.backoffMs !== undefined) opts.backoffMs = this.#o.backoffMs;
    syncBin(opts).catch((err: unknown) => {
      if (!(err instanceof MurmurError && err.code === 'MURMUR_ABORTED')) {
        this.#log.debug({ peer: peerId, bin, err }, 'puller: bin sync ended');
      }
    });
  }
}
