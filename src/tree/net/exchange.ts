import type { Histogram } from 'prom-client';
import { MurmurError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { sharedHistogram } from '../../metrics/scrape.ts';
import type { ServiceContext, ServicePeer } from '../../service/context.ts';
import type { FrameChannel } from '../../streamer/channel.ts';
import { type Bundle, decodeBundle } from '../codec.ts';
import { toHex } from '../keys.ts';
import type { TreeStoreEvents } from '../store.ts';
import type { Tree } from '../tree.ts';
import { SYNC_IDLE_MS, SYNC_PROTOCOL } from './constants.ts';
import { initiateSync, respondSync, type SyncResult } from './sync.ts';
import { decodePush, decodeSync, MAX_SYNC_FRAME_BYTES } from './wire.ts';

/** A record refused on ingest, as the sync and push paths report it. */
export type PeerRefusal = { code: string; kind: string; message: string };

export interface ExchangeOptions {
  ctx: ServiceContext;
  /** The held tree with this root (hex), if any. */
  tree: (rootHex: string) => Tree | undefined;
  /** The service's counters this exchange adds to. */
  stats: { syncs: number; syncFailures: number; syncBytes: number; received: number };
  /** Time limit of one outbound sync session (ms, on ctx.clock). */
  syncTimeoutMs: number;
  /** Records a peer sent were refused (the service strikes for them). */
  onRefused: (peerId: string, refused: readonly PeerRefusal[]) => void;
  /** A session or stream with a peer failed (the service strikes for protocol violations). */
  onError: (peerId: string, err: unknown) => void;
  logger: Logger;
}

/**
 * The tree's streams with peers: outbound reconciliation sessions (deduplicated per peer and tree,
 * time-limited on ctx.clock), the inbound sync and push streams, and the channels they hold open
 * (closed when the service stops). Records being ingested from a push are remembered so the pusher
 * does not send them back to their sender.
 */
export class Exchange {
  readonly #o: ExchangeOptions;
  readonly #syncs = new Map<string, { again: boolean; done: Promise<SyncResult | null> }>();
  readonly #channels = new Set<FrameChannel>();
  /** Bundles being ingested from peers, so their records are not pushed back to the sender. */
  readonly #sources: { peer: string; bundle: Bundle }[] = [];
  #ended = false;

  readonly #latency: Histogram<'outcome'>;

  constructor(options: ExchangeOptions) {
    this.#o = options;
    this.#latency = sharedHistogram(options.ctx.metrics, {
      name: 'murmur_tree_sync_duration_seconds',
      help: 'Outbound tree reconciliation sessions, dial to last record, by outcome (ok, failed)',
      labelNames: ['outcome'],
    });
  }

  /**
   * Runs one reconciliation session with `peerId` for a tree (deduplicated per peer and tree: a
   * request during a running session runs once more after it). Null if the peer is gone.
   */
  sync(peerId: string, rootHex: string, options: { signal?: AbortSignal } = {}): Promise<SyncResult | null> {
    const k = `${peerId}|${rootHex}`;
    const running = this.#syncs.get(k);
    if (running !== undefined) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve<SyncResult | null>(null) };
    entry.done = (async () => {
      let last: SyncResult | null = null;
      try {
        do {
          entry.again = false;
          last = await this.#syncOnce(peerId, rootHex, options.signal);
        } while (entry.again && !this.#ended);
      } finally {
        this.#syncs.delete(k);
      }
      return last;
    })();
    this.#syncs.set(k, entry);
    return entry.done;
  }

  /** Closes every open channel (sessions in progress fail; their results settle). */
  closeChannels(reason: Error): void {
    for (const ch of this.#channels) ch.close(reason);
    this.#channels.clear();
  }

  /** Resolves when no sync session is running. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#syncs.values()].map((s) => s.done));
  }

  /** The service stopped: no more sessions or dials. */
  end(): void {
    this.#ended = true;
  }

  /** Opens a stream to a peer, closed with the others when the service stops. */
  async dial(
    peerId: string,
    protocol: string,
    idleTimeoutMs: number,
    maxMessageBytes: number,
    signal?: AbortSignal,
  ): Promise<FrameChannel> {
    if (this.#ended) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'tree service stopped');
    const ch = await this.#o.ctx.dial(peerId, protocol, {
      idleTimeoutMs,
      maxMessageBytes,
      ...(signal === undefined ? {} : { signal }),
    });
    this.#channels.add(ch);
    return ch;
  }

  /** The peer a batch of stored records came from by push ('' for local writes and syncs). */
  sourceOf(d: TreeStoreEvents['records']): string {
    const first = d.records[0];
    if (first === undefined) return '';
    for (const s of this.#sources) {
      const list: readonly unknown[] =
        first.kind === 'entry'
          ? s.bundle.entries
          : first.kind === 'grant'
            ? s.bundle.grants
            : s.bundle.revocations;
      if (list.includes(first.record)) return s.peer;
    }
    return '';
  }

  async #syncOnce(peerId: string, rootHex: string, signal?: AbortSignal): Promise<SyncResult | null> {
    const tree = this.#o.tree(rootHex);
    if (tree === undefined || this.#ended) return null;
    const timeout = this.#o.ctx.clock.timeout(this.#o.syncTimeoutMs);
    const sig = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const { stats } = this.#o;
    const clock = this.#o.ctx.clock;
    const started = clock.monotonic();
    const took = (): number => (clock.monotonic() - started) / 1000;
    let ch: FrameChannel | undefined;
    try {
      ch = await this.dial(peerId, SYNC_PROTOCOL, SYNC_IDLE_MS, MAX_SYNC_FRAME_BYTES, sig);
      const res = await initiateSync(ch, tree, {
        signal: sig,
        peer: peerId,
        onRefused: (r) => this.#o.onRefused(peerId, r),
      });
      ch.close();
      stats.syncs++;
      stats.syncBytes += res.bytesSent + res.bytesReceived;
      this.#latency.observe({ outcome: 'ok' }, took());
      this.#o.logger.debug(
        { peer: peerId, tree: rootHex, ...res, refused: res.refused.length },
        'tree sync done',
      );
      return res;
    } catch (err) {
      stats.syncFailures++;
      this.#latency.observe({ outcome: 'failed' }, took());
      ch?.close(err as Error);
      this.#o.onError(peerId, err);
      this.#o.logger.debug({ peer: peerId, tree: rootHex, err }, 'tree sync failed');
      return null;
    } finally {
      if (ch !== undefined) this.#channels.delete(ch);
    }
  }

  /** Answers a sync session a peer opened. */
  async serveSync(ch: FrameChannel, peer: ServicePeer): Promise<void> {
    this.#channels.add(ch);
    try {
      const it = ch[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done === true) return;
      const res = await respondSync(ch, decodeSync(first.value), (root) => this.#o.tree(toHex(root)), {
        onRefused: (r) => this.#o.onRefused(peer.peerId, r),
        peer: peer.peerId,
      });
      res.bytesReceived += first.value.length;
      this.#o.stats.syncBytes += res.bytesSent + res.bytesReceived;
      ch.close();
    } catch (err) {
      this.#o.onError(peer.peerId, err);
      throw err;
    } finally {
      this.#channels.delete(ch);
    }
  }

  /** Ingests the bundles a peer pushes on its long-lived push stream. */
  async servePush(ch: FrameChannel, peer: ServicePeer): Promise<void> {
    this.#channels.add(ch);
    try {
      for await (const frame of ch) {
        const { tree: root, bundle } = decodePush(frame);
        const tree = this.#o.tree(toHex(root));
        if (tree === undefined) continue;
        const b = decodeBundle(bundle);
        this.#sources.push({ peer: peer.peerId, bundle: b });
        try {
          const res = await tree.ingest(b, { source: peer.peerId });
          this.#o.stats.received += res.added.length;
          this.#o.onRefused(peer.peerId, res.refused);
        } finally {
          this.#sources.splice(
            this.#sources.findIndex((s) => s.bundle === b),
            1,
          );
        }
      }
    } catch (err) {
      this.#o.onError(peer.peerId, err);
      throw err;
    } finally {
      this.#channels.delete(ch);
    }
  }
}
