import './codes.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { MurmurError } from '../errors/index.ts';
import type { RouteTable } from '../http/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { NodeService, ServiceContext, ServicePeer } from '../service/context.ts';
import { strikeFor } from '../service/strikes.ts';
import { waitOrAbort } from '../service/wait.ts';
import { checkClockAhead } from './clock-ahead.ts';
import { HlcClock } from './hlc.ts';
import { loadOrCreateKeyFile } from './keyfile.ts';
import { fromHex, generateKeyPair, type KeyPair, type Signer, signerFromKeyPair, toHex } from './keys.ts';
import { Announcer } from './net/announcer.ts';
import {
  DEFAULT_ANNOUNCE_DEBOUNCE_MS,
  DEFAULT_ANTI_ENTROPY_MS,
  DEFAULT_PUSH_BATCH_MS,
  DEFAULT_PUSH_FANOUT,
  DEFAULT_SYNC_TIMEOUT_MS,
  PUSH_IDLE_MS,
  PUSH_PROTOCOL,
  SYNC_IDLE_MS,
  SYNC_PROTOCOL,
} from './net/constants.ts';
import { Exchange } from './net/exchange.ts';
import { Pusher } from './net/push.ts';
import { strikeRefusals } from './net/strikes.ts';
import type { SyncResult } from './net/sync.ts';
import { MAX_PUSH_FRAME_BYTES, MAX_SYNC_FRAME_BYTES } from './net/wire.ts';
import type { PendingLimits } from './pending.ts';
import { registerTreeRoutes } from './routes.ts';
import { registerTreeMetrics } from './service-metrics.ts';
import { recordId } from './state.ts';
import { TreeStore, type TreeStoreEvents } from './store.ts';
import { Tree } from './tree.ts';

export interface TreeServiceOptions {
  /** File holding the node's own tree key (0600, created on first use); else kept in the store. */
  keyFile?: string;
  /** Seconds-scale period of anti-entropy re-announcements to connected peers (ms). */
  antiEntropyMs?: number;
  /** Delay gathering writes before announcing root hashes (ms). */
  announceDebounceMs?: number;
  /** Delay gathering new records into one push (ms). */
  pushBatchMs?: number;
  /** Peers each batch of new records is pushed to (closest half by proximity, rest random; 0 = all). */
  pushFanout?: number;
  /** Time limit of one sync session (ms). */
  syncTimeoutMs?: number;
  /** HLC of every tree (tests inject a skewed one); default one on the service's `ctx.clock`. */
  clock?: HlcClock;
  /** Interest cull delay of subscriptions (ms). */
  cullDelayMs?: number;
  /** Caps of the pending pool (tests shrink them). */
  pendingLimits?: Partial<PendingLimits>;
}

const META_SIGNER = 'meta!signer';
const META_DEFAULT = 'meta!default';

/**
 * The `tree` node service: holds signed key/value trees in the service's store namespace,
 * announces root hashes (on connect, after writes, periodically, and on the LAN), reconciles with
 * peers whose hash differs, pushes new records at once, strikes peers that send refused records,
 * and serves the `/v1/trees` API routes.
 */
export class TreeService implements NodeService {
  readonly name = 'tree';
  readonly stats = { syncs: 0, syncFailures: 0, syncBytes: 0, received: 0, refused: 0, strikes: 0 };
  readonly #o: TreeServiceOptions;
  readonly clock: HlcClock;
  /** The node's clock (`ctx.clock` from start on): the HLC's physical time, timers and deadlines. */
  #time: Clock = systemClock;
  #ctx: ServiceContext | undefined;
  #store: TreeStore | undefined;
  #signer: Signer | undefined;
  #default = '';
  readonly #trees = new Map<string, Tree>();
  #pusher: Pusher | undefined;
  #announcer: Announcer | undefined;
  #exchange: Exchange | undefined;
  #log: Logger = silentLogger;
  readonly #cleanup: (() => void)[] = [];

  constructor(options: TreeServiceOptions = {}) {
    this.#o = options;
    this.clock = options.clock ?? new HlcClock({ clock: { now: () => this.#time.now() } });
  }

  get store(): TreeStore {
    if (this.#store === undefined)
      throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'tree service not started');
    return this.#store;
  }

  /** The node's own tree key (public half, hex). */
  get publicKey(): string {
    if (this.#signer === undefined)
      throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'tree service not started');
    return toHex(this.#signer.publicKey);
  }

  /** The default tree (`murmur tree use`), the node key's own tree unless set. */
  get defaultTree(): string {
    return this.#default;
  }

  async start(ctx: ServiceContext, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#ctx = ctx;
    this.#time = ctx.clock;
    this.#log = ctx.logger;
    this.clock.beforeTick = () => checkClockAhead(ctx.clockOffset?.(), this.clock.maxDriftMs);
    const store = new TreeStore(ctx.store, {
      logger: ctx.logger,
      ...(this.#o.pendingLimits === undefined ? {} : { pendingLimits: this.#o.pendingLimits }),
    });
    registerTreeMetrics(ctx.metrics, () => this.#store);
    await store.open(options);
    this.#store = store;
    this.#signer = signerFromKeyPair(await this.#nodeKey());
    for (const root of store.trees()) await this.#open(root, options.signal);
    this.#default = (await this.#meta(META_DEFAULT)) ?? this.publicKey;
    await this.join(this.#default, options);

    const exchange = new Exchange({
      ctx,
      tree: (root) => this.#trees.get(root),
      stats: this.stats,
      syncTimeoutMs: this.#o.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS,
      onRefused: (peer, refused) => this.#refused(peer, refused),
      onError: (peer, err) => this.#misbehaved(peer, err),
      logger: this.#log,
    });
    this.#exchange = exchange;
    this.#pusher = new Pusher({
      dial: (peer) => exchange.dial(peer, PUSH_PROTOCOL, PUSH_IDLE_MS, MAX_PUSH_FRAME_BYTES),
      peers: () => ctx.peers(),
      fanout: this.#o.pushFanout ?? DEFAULT_PUSH_FANOUT,
      tree: (root) => this.#trees.get(root),
      batchMs: this.#o.pushBatchMs ?? DEFAULT_PUSH_BATCH_MS,
      clock: ctx.clock,
      logger: this.#log,
    });
    this.#announcer = new Announcer({
      ctx,
      trees: () => [...this.#trees.values()],
      onDiffer: (peer, root) => this.#onDiffer(peer, root),
      debounceMs: this.#o.announceDebounceMs ?? DEFAULT_ANNOUNCE_DEBOUNCE_MS,
      antiEntropyMs: this.#o.antiEntropyMs ?? DEFAULT_ANTI_ENTROPY_MS,
      logger: this.#log,
    });
    await this.#announcer.start();

    await ctx.handle(SYNC_PROTOCOL, (ch, peer) => exchange.serveSync(ch, peer), {
      maxMessageBytes: MAX_SYNC_FRAME_BYTES,
      idleTimeoutMs: SYNC_IDLE_MS,
    });
    await ctx.handle(PUSH_PROTOCOL, (ch, peer) => exchange.servePush(ch, peer), {
      maxMessageBytes: MAX_PUSH_FRAME_BYTES,
      idleTimeoutMs: PUSH_IDLE_MS,
    });
    const onRecords = (d: TreeStoreEvents['records']): void => {
      this.#pusher?.add(
        d.tree,
        exchange.sourceOf(d),
        d.records.map((r) => toHex(recordId(r))),
      );
      this.#announcer?.changed(d.tree);
    };
    const onActive = (p: ServicePeer): void => this.#announcer?.announceTo(p.peerId);
    const onInactive = ({ peerId }: { peerId: string }): void => this.#pusher?.drop(peerId);
    store.on('records', onRecords);
    this.#cleanup.push(
      () => store.off('records', onRecords),
      ctx.on('peer:active', onActive),
      ctx.on('peer:inactive', onInactive),
    );
    for (const p of ctx.peers()) this.#announcer.announceTo(p.peerId);
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    for (const off of this.#cleanup.splice(0)) off();
    this.#announcer?.stop();
    this.#pusher?.stop();
    this.#exchange?.closeChannels(new Error('tree service stopping'));
    await waitOrAbort(this.#exchange?.settled(), options.signal);
    for (const t of this.#trees.values()) t.close();
    this.#trees.clear();
    await this.#store?.close();
    this.#store = undefined;
    this.#exchange?.end();
    this.#exchange = undefined;
    this.#ctx = undefined;
    this.clock.beforeTick = undefined;
  }

  routes(api: RouteTable): void {
    registerTreeRoutes(api, this);
  }

  /** Counters for the API and benchmarks. */
  status(): Record<string, unknown> {
    return {
      ...this.stats,
      push: { ...(this.#pusher?.stats ?? {}) },
      announce: { ...(this.#announcer?.stats ?? {}) },
      store: { ...(this.#store?.counters ?? {}) },
      pending: { records: this.#store?.pool.size ?? 0, bytes: this.#store?.pool.bytes ?? 0 },
    };
  }

  /** Held trees (root hex). */
  trees(): string[] {
    return [...this.#trees.keys()];
  }

  /** The client of a held tree, signing with the node's key (MURMUR_TREE_UNKNOWN_TREE otherwise). */
  tree(rootHex: string): Tree {
    const t = this.#trees.get(rootHex);
    if (t === undefined)
      throw new MurmurError('MURMUR_TREE_UNKNOWN_TREE', 'tree not held here', { details: { tree: rootHex } });
    return t;
  }

  /** A client of a held tree signing with another key (close it after use). */
  async treeWith(rootHex: string, signer: Signer, options: { signal?: AbortSignal } = {}): Promise<Tree> {
    this.tree(rootHex);
    return Tree.open(this.store, rootHex, { signer, clock: this.clock, timers: this.#time, ...options });
  }

  /** Starts holding a tree and syncs it with connected peers. */
  async join(rootHex: string, options: { signal?: AbortSignal } = {}): Promise<Tree> {
    fromHex(rootHex, 32);
    const known = this.#trees.get(rootHex);
    if (known !== undefined) return known;
    const t = await this.#open(rootHex, options.signal);
    this.#announcer?.changed(rootHex);
    return t;
  }

  /** Sets the default tree (joins it). */
  async use(rootHex: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.join(rootHex, options);
    await this.store.db.put(META_DEFAULT, rootHex, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    this.#default = rootHex;
  }

  /**
   * Runs one reconciliation session with `peerId` for a tree (deduplicated per peer and tree: a
   * request during a running session runs once more after it). Null if the peer is gone.
   */
  async sync(
    peerId: string,
    rootHex: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<SyncResult | null> {
    return (await this.#exchange?.sync(peerId, rootHex, options)) ?? null;
  }

  /** Announces every held tree to every connected peer now (what the anti-entropy timer does). */
  announceAll(): void {
    this.#announcer?.announceAll();
  }

  #onDiffer(peerId: string, rootHex: string): void {
    const ctx = this.#ctx;
    if (ctx === undefined || !this.#trees.has(rootHex)) return;
    // The side with the smaller peer id initiates; the other answers with its own hash so it does.
    if (ctx.peerId < peerId) void this.sync(peerId, rootHex);
    else this.#announcer?.announceTo(peerId, [rootHex]);
  }

  #refused(peerId: string, refused: readonly { code: string; kind: string; message: string }[]): void {
    if (refused.length === 0) return;
    this.stats.refused += refused.length;
    this.stats.strikes += strikeRefusals(refused as never, (kind) => this.#ctx?.strike(peerId, kind));
  }

  /** Strikes by the error table (undecodable frames, reconciliation violations); churn does not. */
  #misbehaved(peerId: string, err: unknown): void {
    if (this.#ctx !== undefined && strikeFor(this.#ctx, peerId, err) !== undefined) this.stats.strikes++;
  }

  async #open(rootHex: string, signal?: AbortSignal): Promise<Tree> {
    const t = await Tree.open(this.store, rootHex, {
      signer: this.#signer!,
      clock: this.clock,
      timers: this.#time,
      ...(this.#o.cullDelayMs === undefined ? {} : { cullDelayMs: this.#o.cullDelayMs }),
      ...(signal === undefined ? {} : { signal }),
    });
    this.#trees.set(rootHex, t);
    return t;
  }

  async #nodeKey(): Promise<KeyPair> {
    if (this.#o.keyFile !== undefined) return loadOrCreateKeyFile(this.#o.keyFile);
    const stored = await this.#meta(META_SIGNER);
    if (stored !== undefined) {
      const [pub, priv] = stored.split(':');
      return { publicKey: fromHex(pub ?? '', 32), privateKey: fromHex(priv ?? '', 32) };
    }
    const pair = generateKeyPair();
    await this.store.db.put(META_SIGNER, `${toHex(pair.publicKey)}:${toHex(pair.privateKey)}`, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    });
    return pair;
  }

  async #meta(key: string): Promise<string | undefined> {
    const v = await this.store.db.get(key, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    return v === undefined ? undefined : String(v);
  }
}
