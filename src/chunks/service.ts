import './codes.ts';
import { join as joinPath } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import type { RouteTable } from '../http/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { NodeService, ServiceContext } from '../service/context.ts';
import { strikeFor, WarnLimiter } from '../service/strikes.ts';
import { waitOrAbort } from '../service/wait.ts';
import { type JoinOptions, join } from './file/joiner.ts';
import { type SplitResult, split } from './file/splitter.ts';
import { IntervalStore } from './intervals/interval-store.ts';
import { Puller } from './puller.ts';
import { PullSyncClient } from './pullsync/client.ts';
import { MAX_MESSAGE_BYTES, PULLSYNC_PROTOCOLS } from './pullsync/constants.ts';
import { InFlight } from './pullsync/inflight.ts';
import { PullSyncServer } from './pullsync/server.ts';
import { PullSyncStats, registerPullSyncMetrics } from './pullsync/stats.ts';
import { Retrieval } from './retrieval/index.ts';
import { registerChunkRoutes } from './routes.ts';
import { countDeliveries } from './sent.ts';
import { registerServiceMetrics } from './service-metrics.ts';
import { ChunkStore, type PinInfo } from './store.ts';

/** Idle time allowed on a pull-sync stream: live requests wait for new chunks for a long time. */
export const PULLSYNC_IDLE_MS = 10 * 60_000;

export interface ChunksServiceOptions {
  /** Pull-sync page size and fill wait (defaults 128 / 200 ms). */
  pageLimit?: number;
  pageWaitMs?: number;
  /** Retry backoff of the puller (ms). */
  backoffMs?: readonly number[];
  /** Retrieval: time per attempt, attempts, hop limit. */
  retrieval?: { timeoutMs?: number; attempts?: number; hops?: number };
  /** Pull from peers (default true); false serves only (tests, leaf nodes). */
  pull?: boolean;
  /**
   * Data folder: chunk data go to append-only segment files in `<dataDir>/chunks/` (LevelDB keeps
   * their locations and the pull index). Without it the data are LevelDB values.
   */
  dataDir?: string;
  /** Segment file size (default 128 MiB). */
  segmentBytes?: number;
  /** Bytes of chunk data kept (default 16 GiB; 0 = unlimited); the rest is evicted, pins excepted. */
  capacityBytes?: number;
}

/**
 * The `chunks` node service: content-addressed chunk store, pull-sync server and puller (bins by
 * neighbourhood depth), retrieval of single chunks across the overlay, files split/joined over them,
 * and the `/v1/files`, `/v1/chunks` API routes.
 */
export class ChunksService implements NodeService {
  readonly name = 'chunks';
  readonly stats = new PullSyncStats();
  /** Chunks this node delivered to downstream peers (upstream side of pull-sync). */
  readonly sent = { chunks: 0, bytes: 0 };
  readonly #options: ChunksServiceOptions;
  #ctx: ServiceContext | undefined;
  #store: ChunkStore | undefined;
  #server: PullSyncServer | undefined;
  #puller: Puller | undefined;
  #retrieval: Retrieval | undefined;
  #log: Logger = silentLogger;
  readonly #listeners: (() => void)[] = [];

  constructor(options: ChunksServiceOptions = {}) {
    this.#options = options;
  }

  get store(): ChunkStore {
    if (this.#store === undefined) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'chunks not started');
    return this.#store;
  }

  get retrieval(): Retrieval {
    if (this.#retrieval === undefined) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'chunks not started');
    return this.#retrieval;
  }

  get puller(): Puller | undefined {
    return this.#puller;
  }

  async start(ctx: ServiceContext, _options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#ctx = ctx;
    this.#log = ctx.logger;
    const db = ctx.store;
    const o = this.#options;
    const store = new ChunkStore(db, {
      overlay: ctx.overlay,
      ...(o.dataDir === undefined ? {} : { dir: joinPath(o.dataDir, 'chunks') }),
      ...(o.segmentBytes === undefined ? {} : { segmentBytes: o.segmentBytes }),
      ...(o.capacityBytes === undefined ? {} : { capacityBytes: o.capacityBytes }),
      logger: ctx.logger,
      clock: ctx.clock,
    });
    await store.open();
    this.#store = store;
    registerPullSyncMetrics(ctx.metrics, this.stats, 'murmur_chunks_pullsync_', {
      legacyPrefix: 'murmur_chunks_',
    });
    registerServiceMetrics(ctx.metrics, this);
    // every strike goes through the error table (strikeFor); the warning a peer can trigger at will
    // is rate-limited per peer
    const warnings = new WarnLimiter(this.#log, { clock: ctx.clock });
    const misbehaved = (what: string) => (peerId: string, err: unknown) => {
      const kind = strikeFor(ctx, peerId, err);
      if (kind === undefined) this.#log.debug({ peer: peerId, err }, what);
      else warnings.warn(peerId, { peer: peerId, kind, err }, what);
    };
    this.#server = new PullSyncServer({
      store,
      stats: this.stats,
      logger: this.#log,
      clock: ctx.clock,
      onMisbehaviour: misbehaved('pullsync: bad request from peer'),
      ...(o.pageLimit === undefined ? {} : { pageLimit: o.pageLimit }),
      ...(o.pageWaitMs === undefined ? {} : { pageWaitMs: o.pageWaitMs }),
    });
    const server = this.#server;
    const channelOpts = { maxMessageBytes: MAX_MESSAGE_BYTES + 64, idleTimeoutMs: PULLSYNC_IDLE_MS };
    await ctx.handle(
      PULLSYNC_PROTOCOLS,
      (ch, peer) => server.handle(peer.peerId, countDeliveries(ch, this.sent)),
      channelOpts,
    );
    const client = new PullSyncClient({
      dial: (peer, opts = {}) => ctx.dial(peer, PULLSYNC_PROTOCOLS, { ...channelOpts, ...opts }),
      store,
      inflight: new InFlight(),
      stats: this.stats,
      logger: this.#log,
      clock: ctx.clock,
      onInvalidChunk: (peer) =>
        misbehaved('pullsync: invalid chunk skipped')(peer, 'MURMUR_CHUNKS_BAD_CHUNK'),
    });
    const r = o.retrieval ?? {};
    this.#retrieval = new Retrieval({
      ctx,
      store,
      logger: this.#log,
      ...(r.timeoutMs === undefined ? {} : { timeoutMs: r.timeoutMs }),
      ...(r.attempts === undefined ? {} : { attempts: r.attempts }),
      ...(r.hops === undefined ? {} : { hops: r.hops }),
    });
    await this.#retrieval.start();
    if (o.pull === false) return;
    const puller = new Puller({
      client,
      intervals: new IntervalStore(db, 'intervals'),
      stats: this.stats,
      depth: () => ctx.depth(),
      logger: this.#log,
      clock: ctx.clock,
      ...(o.backoffMs === undefined ? {} : { backoffMs: o.backoffMs }),
      onFatal: misbehaved('pullsync: stopped syncing from peer'),
    });
    this.#puller = puller;
    const onActive = (p: Parameters<typeof puller.add>[0]): void => puller.add(p);
    const onInactive = ({ peerId }: { peerId: string }): void => puller.remove(peerId);
    const onDepth = (): void => puller.depthChanged();
    this.#listeners.push(
      ctx.on('peer:active', onActive),
      ctx.on('peer:inactive', onInactive),
      ctx.on('depth', onDepth),
    );
    for (const p of ctx.peers()) puller.add(p);
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    for (const off of this.#listeners.splice(0)) off();
    this.#puller?.stop();
    this.#puller = undefined;
    await waitOrAbort(this.#server?.close(), options.signal);
    this.#server = undefined;
    this.#retrieval = undefined;
    await this.#store?.close().catch(() => {});
    this.#store = undefined;
    this.#ctx = undefined;
  }

  routes(api: RouteTable): void {
    registerChunkRoutes(api, this);
  }

  /**
   * Splits a byte stream into chunks in the local store (pull-sync spreads them). With `pin` the
   * file is pinned at the end, its chunks held against eviction while it is written.
   */
  async put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: { signal?: AbortSignal; onProgress?: (bytes: bigint) => void; pin?: boolean } = {},
  ): Promise<SplitResult & { pinned: boolean }> {
    const store = this.store;
    const releases: (() => void)[] = [];
    const { pin, ...rest } = options;
    try {
      const r = await split(
        source,
        async (chunks) => {
          if (pin) releases.push(store.hold(chunks.map((c) => c.address)));
          await store.putMany(chunks, { verify: false });
        },
        rest,
      );
      if (pin) await store.pin(r.root, options.signal ? { signal: options.signal } : {});
      return { ...r, pinned: pin === true };
    } finally {
      for (const release of releases) release();
    }
  }

  /** Pins a file tree; chunks not stored are retrieved first (MURMUR_CHUNKS_PIN_MISSING if some cannot be). */
  pin(root: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<PinInfo> {
    return this.store.pin(root, {
      ...(options.signal ? { signal: options.signal } : {}),
      fetch: (a, o) => this.retrieval.get(a, o),
    });
  }

  unpin(root: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<PinInfo> {
    return this.store.unpin(root, options);
  }

  pins(options: { signal?: AbortSignal } = {}): Promise<PinInfo[]> {
    return this.store.pins(options);
  }

  /** Stored bytes against the capacity, pins, eviction and compaction counters. */
  storage(): Record<string, number | boolean> | undefined {
    const store = this.#store;
    if (!store) return undefined;
    const u = store.usage();
    const g = store.gcStats();
    return {
      usedBytes: u.bytes,
      chunks: u.chunks,
      capacityBytes: u.capacityBytes,
      pinnedChunks: u.pinnedChunks,
      pinnedBytes: u.pinnedBytes,
      overCapacity: u.overCapacity,
      evictedChunks: g.evictedChunks,
      reclaimedBytes: g.reclaimedBytes,
      segmentsCompacted: g.segmentsCompacted,
    };
  }

  /** One chunk: local store first, then retrieval over the network. */
  getChunk(address: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
    return this.retrieval.get(address, options);
  }

  /** A file's bytes in order, every chunk verified; memory bounded by `concurrency`. */
  get(root: Uint8Array, options: JoinOptions = {}): AsyncGenerator<Uint8Array> {
    return join((a, o) => this.getChunk(a, o), root, { concurrency: 32, ...options });
  }

  /** Sync status for the API: cursors, subscriptions, lag, counters. */
  status(): Record<string, unknown> {
    const store = this.#store;
    return {
      cursors: (store?.cursors() ?? []).map(String),
      depth: this.#ctx?.depth() ?? 0,
      storage: this.storage() ?? {},
      subscriptions: this.#puller?.subscriptions() ?? {},
      notServing: this.#puller?.notServing() ?? [],
      lag: Object.fromEntries([...this.stats.lag].map(([k, v]) => [k, v.toString()])),
      pullsync: {
        offered: this.stats.offered,
        wanted: this.stats.wanted,
        delivered: this.stats.delivered,
        invalid: this.stats.invalid,
        unsolicited: this.stats.unsolicited,
        duplicateRuids: this.stats.duplicateRuids,
        dbOps: this.stats.dbOps,
        sentChunks: this.sent.chunks,
        sentBytes: this.sent.bytes,
      },
      retrieval: { ...(this.#retrieval?.stats ?? {}) },
    };
  }
}
