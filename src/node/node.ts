import './codes.ts';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { toHex } from '../bytes/index.ts';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { Hive } from '../discovery/hive.ts';
import { LanDiscovery } from '../discovery/lan.ts';
import { MurmurError } from '../errors/index.ts';
import { HANDSHAKE_PROTOCOLS, HANDSHAKE_TIMEOUT_MS, refusal } from '../handshake/index.ts';
import type { Identity } from '../identity/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { NodeMetrics } from '../metrics/index.ts';
import { HIVE_PROTOCOLS, Kademlia } from '../overlay/index.ts';
import { type Host, isShareable, parseDialAddr, startHost, withoutPeer } from '../p2p/index.ts';
import { PeerBook } from '../peers/index.ts';
import type { NodeService } from '../service/context.ts';
import { spokenProtocolIds } from '../service/protocols.ts';
import { waitOrAbort } from '../service/wait.ts';
import { lockDataDir, type MurmurStore, openStore } from '../store/index.ts';
import {
  ANNOUNCE_KEY_PREFIX,
  DEFAULT_ANNOUNCE_MS,
  DEFAULT_DIAL_CHECK_MS,
  DEFAULT_LISTEN,
  DEFAULT_MAX_CONNECTIONS,
} from './constants.ts';
import { type KindApis, kindApis } from './facades.ts';
import { Links } from './links.ts';
import { ServiceHost } from './service-host.ts';
import { Topology } from './topology.ts';
import type { MurmurNode, NodeEvents, NodeOptions, NodeStatus, PeerInfo, ServiceMap } from './types.ts';

const DIAL_TIMEOUT_MS = 10_000;

/** The composition root: store, peer book, overlay, libp2p host, handshake, discovery, metrics. */
export class Node<S extends ServiceMap = ServiceMap> implements MurmurNode<S> {
  readonly peerId: string;
  readonly services: S;
  readonly tree: KindApis<S>['tree'];
  readonly journals: KindApis<S>['journals'];
  readonly chunks: KindApis<S>['chunks'];
  readonly overlay: string;
  readonly networkId: string;
  readonly metrics;
  readonly #nodeMetrics = new NodeMetrics();
  readonly #o: NodeOptions<S>;
  readonly #identity: Identity;
  readonly #overlayBytes: Uint8Array;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events = new EventEmitter();
  #state: 'idle' | 'starting' | 'started' | 'stopping' = 'idle';
  #startedAt = 0;
  #release: (() => void) | undefined;
  #store: MurmurStore | undefined;
  #book: PeerBook | undefined;
  #kad: Kademlia | undefined;
  #host: Host | undefined;
  #links: Links | undefined;
  #hive: Hive | undefined;
  #lan: LanDiscovery | undefined;
  #services: ServiceHost | undefined;
  readonly #serviceList: NodeService[];
  #dialTimer: TimerHandle | undefined;
  #topology: Topology | undefined;

  constructor(options: NodeOptions<S>, identity: Identity, overlay: Uint8Array, networkId: string) {
    this.#o = options;
    this.#identity = identity;
    this.#overlayBytes = overlay;
    this.peerId = identity.peerId.toString();
    this.overlay = toHex(overlay);
    this.networkId = networkId;
    this.metrics = this.#nodeMetrics.registry;
    this.#log = (options.logger ?? silentLogger).child({ node: this.peerId.slice(-8) });
    this.#clock = options.clock ?? systemClock;
    const given = options.services ?? [];
    this.#serviceList = Array.isArray(given) ? [...given] : Object.values(given);
    if (!Array.isArray(given)) {
      for (const [key, s] of Object.entries(given)) {
        if (s?.name !== key) {
          throw new MurmurError('MURMUR_INVALID_ARGUMENT', `services.${key} is the service '${s?.name}'`);
        }
      }
    }
    this.services = Object.freeze(Object.fromEntries(this.#serviceList.map((s) => [s.name, s]))) as S;
    ({ tree: this.tree, journals: this.journals, chunks: this.chunks } = kindApis(this.services));
  }

  /** @deprecated use `node.services.<name>`; kept for one version. */
  service(name: string): NodeService | undefined;
  service<T extends NodeService>(name: string, kind: abstract new (...args: never[]) => T): T | undefined;
  service(name: string, kind?: abstract new (...args: never[]) => NodeService): NodeService | undefined {
    const found = this.#serviceList.find((s) => s.name === name);
    if (kind !== undefined && !(found instanceof kind)) return undefined;
    return found;
  }

  on<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void {
    this.#events.on(event, listener);
  }

  off<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void {
    this.#events.off(event, listener);
  }

  #emit<E extends keyof NodeEvents>(event: E, detail: NodeEvents[E]): void {
    this.#events.emit(event, detail);
  }

  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state !== 'idle') throw new MurmurError('MURMUR_INVALID_ARGUMENT', `node is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#start(options.signal);
    } catch (err) {
      await this.#teardown();
      this.#state = 'idle';
      throw err;
    }
    this.#state = 'started';
    this.#startedAt = this.#clock.now();
    this.#log.info({ peerId: this.peerId, addresses: this.status().addresses }, 'node started');
    this.#emit('started', undefined);
  }

  async #start(signal: AbortSignal | undefined): Promise<void> {
    const o = this.#o;
    const dataDir = o.dataDir === undefined ? undefined : resolve(o.dataDir);
    if (dataDir !== undefined) this.#release = lockDataDir(dataDir);
    const storeOpts: Parameters<typeof openStore>[0] = { signal };
    if (o.store !== undefined) storeOpts.level = o.store;
    else storeOpts.dataDir = dataDir ?? resolve('.murmur');
    this.#store = await openStore(storeOpts);
    // fail-stop storage: after a failed write the store refuses writes until it is reopened here
    this.#store.startRecovery({
      clock: this.#clock,
      logger: this.#log.child({ module: 'store' }),
      onHealth: (health) => this.#emit('store', health),
      onFatal: (error) => this.#emit('fatal', { error, reason: 'the store cannot be reopened' }),
    });
    const kad = new Kademlia({ base: this.#overlayBytes, saturation: o.saturation ?? 8 });
    this.#kad = kad;
    const book = new PeerBook({
      selfId: this.peerId,
      clock: this.#clock,
      config: Object.fromEntries(Object.entries(o.peerBook ?? {}).filter(([, v]) => v !== undefined)),
      store: this.#store.sublevel('peers'),
      logger: this.#log,
      proximity: (hex) => kad.po(Buffer.from(hex, 'hex')),
    });
    this.#book = book;
    const listen = o.listen ?? DEFAULT_LISTEN;
    this.#host = await startHost({
      privateKey: this.#identity.privateKey,
      listen,
      encryption: o.encryption ?? 'noise',
      maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      fallbackToEphemeral: o.listen === undefined,
      logger: this.#log,
      gater: {
        denyDialPeer: (peer) => book.isRefused(peer.toString()),
        denyInboundEncryptedConnection: (peer) => book.isRefused(peer.toString()),
      },
    });
    const host = this.#host;
    this.#topology = new Topology({
      peerId: this.peerId,
      kad,
      book,
      host,
      clock: this.#clock,
      log: this.#log,
      metrics: this.#nodeMetrics,
      links: () => this.#links,
      hive: () => this.#hive,
      services: () => this.#services,
      running: () => this.#state === 'started',
      stopping: () => this.#state === 'stopping',
    });
    const timeouts = o.timers ?? {};
    const handshakeTimeoutMs = timeouts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const handshakeIds = spokenProtocolIds(HANDSHAKE_PROTOCOLS, o.protocolIds);
    const hiveIds = spokenProtocolIds(HIVE_PROTOCOLS, o.protocolIds);
    const protocols = [...handshakeIds, ...hiveIds];
    this.#links = new Links({
      host: this.#host,
      clock: this.#clock,
      book,
      metrics: this.#nodeMetrics,
      logger: this.#log,
      networkId: this.networkId,
      overlay: this.#overlayBytes,
      protocols,
      handshakeIds,
      handshakeTimeoutMs,
      dialTimeoutMs: timeouts.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
      onActive: (peerId, hello) => this.#topology?.onActive(peerId, hello),
      onInactive: (peerId) => {
        kad.disconnected(peerId);
        this.#services?.emit('peer:inactive', { peerId });
      },
    });
    await this.#links.start();
    this.#hive = new Hive({
      host: this.#host,
      clock: this.#clock,
      networkId: this.networkId,
      metrics: this.#nodeMetrics,
      logger: this.#log,
      timeoutMs: handshakeTimeoutMs,
      ids: hiveIds,
      isActive: (id) => this.#links?.isActive(id) === true,
      handshaking: (connection) => this.#links?.handshakeOn(connection),
      onPeers: (from, peers) => this.#topology?.onHivePeers(from, peers),
      onStrike: (id, kind) => this.#links?.strike(id, kind),
    });
    await this.#hive.start();
    book.on('state', (info) => {
      this.#nodeMetrics.setPeerCounts(book.counts());
      this.#emit('peer:state', this.#withPo(info));
    });
    book.on('dial', (peer) => this.#topology?.dialQuietly(peer.peerId, peer.addresses));
    book.on('ping', (info) => this.#topology?.ping(info.peerId));
    kad.on('depth', ({ depth }) => {
      this.#nodeMetrics.depth.set(depth);
      this.#emit('depth', { depth });
      this.#services?.emit('depth', { depth });
      this.#topology?.gossipAll();
    });
    await book.start({ signal });
    const lanCfg =
      o.iface !== undefined && o.iface !== ''
        ? {
            iface: o.iface,
            ...(o.hbbp?.port === undefined ? {} : { port: o.hbbp.port }),
            ...(o.hbbp?.address === undefined ? {} : { address: o.hbbp.address }),
          }
        : undefined;
    const services = new ServiceHost({
      peerId: this.peerId,
      overlay: this.#overlayBytes,
      networkId: this.networkId,
      clock: this.#clock,
      logger: this.#log,
      metrics: this.#nodeMetrics,
      store: this.#store,
      host: this.#host,
      links: this.#links,
      book,
      kad,
      protocols,
      ...(o.protocolIds === undefined ? {} : { protocolIds: o.protocolIds }),
      ...(lanCfg === undefined ? {} : { lan: lanCfg }),
    });
    this.#services = services;
    await services.start(this.#serviceList, signal);
    for (const text of o.bootstrap ?? []) {
      const { peerId, addr } = parseDialAddr(text);
      this.#nodeMetrics.count(this.#nodeMetrics.discovered, { source: 'bootstrap' });
      book.discovered(peerId, [withoutPeer(addr.toString())], 'bootstrap');
    }
    for (const peer of book.dueForDial()) this.#topology?.dialQuietly(peer.peerId, peer.addresses);
    if (o.iface !== undefined && o.iface !== '') await this.#startLan(o.iface, timeouts.announceMs);
    const dialEvery = timeouts.dialCheckMs ?? DEFAULT_DIAL_CHECK_MS;
    this.#dialTimer = this.#clock.setInterval(() => this.#topology?.dialSuggested(), dialEvery);
  }

  async #startLan(iface: string, announceMs: number | undefined): Promise<void> {
    const lanOpts: ConstructorParameters<typeof LanDiscovery>[0] = {
      iface,
      key: `${ANNOUNCE_KEY_PREFIX}${this.networkId}`,
      peerId: this.peerId,
      addrs: () => (this.#links?.addrs() ?? []).filter((a) => isShareable(a)),
      intervalMs: announceMs ?? DEFAULT_ANNOUNCE_MS,
      clock: this.#clock,
      logger: this.#log,
      onPeer: (peerId, addrs) => {
        if (this.#links?.isActive(peerId) === true || this.#links?.pending.has(peerId) === true) return;
        this.#nodeMetrics.count(this.#nodeMetrics.discovered, { source: 'hbbp' });
        this.#book?.discovered(peerId, addrs, 'hbbp');
      },
    };
    if (this.#o.hbbp?.port !== undefined) lanOpts.port = this.#o.hbbp.port;
    if (this.#o.hbbp?.address !== undefined) lanOpts.address = this.#o.hbbp.address;
    lanOpts.onOther = (msg) => this.#services?.lanMessage(msg);
    this.#lan = new LanDiscovery(lanOpts);
    await this.#lan.start();
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    const { signal } = options;
    await this.#teardown(signal);
    this.#state = 'idle';
    this.#log.info({ aborted: signal?.aborted === true }, 'node stopped');
    this.#emit('stopped', undefined);
    if (signal?.aborted === true) {
      throw new MurmurError('MURMUR_ABORTED', 'node stop gave up waiting for its services and host', {
        cause: signal.reason,
      });
    }
  }

  /**
   * Stops everything in reverse order. With a signal (passed to every service's stop), each wait
   * (services, LAN, host, peer book) ends
   * when it fires; the store is still closed and the data-folder lock released.
   */
  async #teardown(signal?: AbortSignal): Promise<void> {
    this.#clock.clearInterval(this.#dialTimer);
    // Peers hear of a clean stop first, before services close their streams (docs/PEERS.md).
    if (this.#state === 'stopping') await waitOrAbort(this.#links?.goodbye(), signal);
    await waitOrAbort(this.#services?.stop(signal), signal);
    this.#services = undefined;
    this.#links?.stop();
    await waitOrAbort(this.#lan?.stop(), signal);
    // libp2p's stop takes no signal: the node stops waiting for it instead.
    await waitOrAbort(Promise.resolve(this.#host?.stop()), signal);
    await waitOrAbort(this.#book?.stop(), signal);
    await this.#store?.stopRecovery().catch(() => {});
    if (this.#o.store === undefined) await this.#store?.close().catch(() => {});
    this.#release?.();
    this.#release = undefined;
    this.#lan = undefined;
    this.#host = undefined;
    this.#links = undefined;
  }

  status(): NodeStatus {
    const book = this.#book;
    const kad = this.#kad;
    const clockOffset = this.#links?.clockOffset.estimate();
    return {
      peerId: this.peerId,
      overlay: this.overlay,
      networkId: this.networkId,
      addresses: (this.#host?.getMultiaddrs() ?? []).map(String),
      depth: kad?.depth ?? 0,
      bins: kad?.bins() ?? new Array(32).fill(0),
      peers: book?.counts() ?? { connecting: 0, active: 0, lifesupport: 0, purgatory: 0 },
      uptimeMs: this.#state === 'started' ? this.#clock.now() - this.#startedAt : 0,
      counters: this.#nodeMetrics.counters(),
      store: this.#store?.health() ?? { state: 'ok', reopens: 0 },
      ...(clockOffset !== undefined ? { clockOffset } : {}),
    };
  }

  peers(): PeerInfo[] {
    return (this.#book?.list() ?? []).map((p) => this.#withPo(p));
  }

  forgive(peerId: string): PeerInfo {
    const book = this.#book;
    if (this.#state !== 'started' || book === undefined) {
      throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'the node is not started');
    }
    const info = book.forgive(peerId);
    if (info === undefined) {
      throw new MurmurError('MURMUR_PEERS_UNKNOWN', `no peer ${peerId} in the peer book`, {
        details: { peerId },
      });
    }
    return this.#withPo(info);
  }

  async connect(addr: string, options: { signal?: AbortSignal } = {}): Promise<PeerInfo> {
    const { peerId, addr: ma } = parseDialAddr(addr);
    const links = this.#links;
    if (this.#state !== 'started' || links === undefined) {
      throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'the node is not started');
    }
    if (peerId === this.peerId) {
      this.#nodeMetrics.refused('self', 'local');
      throw refusal('self', 'local', this.#identity.peerId);
    }
    this.#book?.discovered(peerId, [withoutPeer(ma.toString())], 'manual');
    return links.dial(peerId, [withoutPeer(ma.toString())], options);
  }

  #withPo(info: PeerInfo): PeerInfo {
    const b = this.#nodeMetrics.peerBytes(info.peerId);
    const withBytes = { ...info, bytesIn: b.in, bytesOut: b.out };
    if (info.overlay === undefined || this.#kad === undefined) return withBytes;
    return { ...withBytes, po: this.#kad.po(Buffer.from(info.overlay, 'hex')) };
  }
}
