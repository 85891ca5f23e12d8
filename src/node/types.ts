import type { AbstractLevel } from 'abstract-level';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock/index.ts';
import type { Logger } from '../log/index.ts';
import type { PeerInfo, PeerState } from '../peers/types.ts';
import type { NodeService } from '../service/context.ts';
import type { ProtocolIdMode } from '../service/protocols.ts';
import type { StoreHealth } from '../store/fail-stop.ts';
import type { KindApis } from './facades.ts';

export type { PeerInfo, PeerState } from '../peers/types.ts';

export interface NodeStatus {
  peerId: string;
  overlay: string;
  networkId: string;
  /** Multiaddrs the node listens on (with /p2p/<peerId>). */
  addresses: string[];
  depth: number;
  /** Connected (active) peers per proximity bin 0..31. */
  bins: number[];
  peers: Record<PeerState, number>;
  uptimeMs: number;
  counters: Record<string, number>;
  /**
   * The store: `ok`, or `failed` / `reopening` (read-only: writes refused with `code` since a write
   * or sync failed, until it is reopened; see docs/STORAGE.md "Fail-stop"). Absent: not told.
   */
  store?: StoreHealth;
  /**
   * This node's estimated wall-clock offset (ms, positive: ahead) against the median of its active
   * peers' clocks, and how many peers that is over; absent with no peer that reported its clock.
   */
  clockOffset?: { offsetMs: number; peers: number };
}

/** Services by name, as `NodeOptions.services` takes them (each key equals its service's `name`). */
export type ServiceMap = Record<string, NodeService>;

export interface NodeOptions<S extends ServiceMap = ServiceMap> {
  /** Data folder (LevelDB, identity, token). Default `.murmur` in the working directory. */
  dataDir?: string;
  /** An abstract-level store to use instead of LevelDB in dataDir (memory-level in tests). */
  store?: AbstractLevel<string | Uint8Array, string | Uint8Array, Uint8Array>;
  /** libp2p listen multiaddrs. */
  listen?: string[];
  /** Multiaddrs (with /p2p/<id>) dialled at start. */
  bootstrap?: string[];
  /** Nodes of different networks refuse each other. Default 'murmur'. */
  networkId?: string;
  /** LAN interface for HBBP announcements / discovery. */
  iface?: string;
  /** Connection encryption. Default 'noise'. */
  encryption?: 'noise' | 'tls';
  logger?: Logger;
  /**
   * Time and timers of everything the node runs: the peer book, links (dial and handshake deadlines),
   * overlay dial checks, discovery, service streams' idle timeouts and every service's `ctx.clock`.
   * Default `systemClock` (wall time, Node timers, background ones unref'd); a test may pass a
   * `VirtualClock`, whose timers fire only when it is advanced (network I/O stays real).
   */
  clock?: Clock;
  /** Peer book durations (ms) and thresholds; defaults as the original journal (see src/peers). */
  peerBook?: {
    backoffMs?: number[];
    idleMs?: number;
    heartbeatCheckMs?: number;
    pongTimeoutMs?: number;
    purgatoryMs?: number;
    strikeThreshold?: number;
    strikeDecayMs?: number;
  };
  /** Node timers (ms): HBBP announce period, overlay dial check, handshake and dial deadlines. */
  timers?: { announceMs?: number; dialCheckMs?: number; handshakeTimeoutMs?: number; dialTimeoutMs?: number };
  /** Kademlia bin saturation (default 8). */
  saturation?: number;
  /** HBBP port / destination override (tests; default port 4950 on ff02::1%iface). */
  hbbp?: { port?: number; address?: string };
  /** Max libp2p connections (default 300). */
  maxConnections?: number;
  /**
   * Protocol ids spoken (docs/ARCHITECTURE.md "Protocol ids"): `all` (default) serves every protocol
   * under its current and legacy ids and offers the current one first; `legacy` speaks only the ids
   * of the previous version, as an older node does (interop tests). Goes with the legacy ids.
   */
  protocolIds?: ProtocolIdMode;
  /**
   * Services (tree, chunks, journals…) run inside the node: started in this order after the host and
   * the peer book are up, stopped in reverse before them (docs/SERVICES.md). Either a record keyed by
   * each service's `name` (then `node.services` is typed by it, as libp2p's `services` map is) or an
   * array (then `node.services` is a `Record<string, NodeService>`).
   */
  services?: S | NodeService[];
}

export interface NodeEvents {
  'peer:state': PeerInfo;
  depth: { depth: number };
  started: undefined;
  stopped: undefined;
  /** The store failed (read-only) or was reopened. */
  store: StoreHealth;
  /** The node cannot go on (its store cannot be reopened): the process should exit non-zero. */
  fatal: { error: unknown; reason: string };
}

/**
 * What createNode() returns; the API server and CLI use only this surface. With a tree, journals or
 * chunks service, `node.tree`, `node.journals`, `node.chunks` are their typed library APIs (KindApis).
 */
export interface MurmurNode<out S extends ServiceMap = ServiceMap> extends KindApis<S> {
  readonly peerId: string;
  readonly overlay: string;
  readonly networkId: string;
  readonly metrics: Registry;
  /** The services passed in NodeOptions.services, by name. */
  readonly services: S;
  start(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Stops the services (in reverse), then the host. The signal reaches every service's stop and the
   * host's; when it fires the node stops waiting for them, still releases the data-folder lock and
   * closes its store, and rejects with MURMUR_ABORTED (the node is stopped: it may be started again).
   */
  stop(options?: { signal?: AbortSignal }): Promise<void>;
  status(): NodeStatus;
  peers(): PeerInfo[];
  /**
   * Lifts a peer's purgatory (it is dialled again at once) and clears its strikes; the peer's info
   * after. Throws MURMUR_PEERS_UNKNOWN for a peer the book does not hold.
   */
  forgive(peerId: string): PeerInfo;
  /** Dial a multiaddr (must include /p2p/<id>) and complete the murmur handshake. */
  connect(addr: string, options?: { signal?: AbortSignal }): Promise<PeerInfo>;
  /**
   * The service of that name, if any; with a class, only if it is an instance of it.
   * @deprecated use `node.services.<name>` (typed); kept for one version.
   */
  service?(name: string): NodeService | undefined;
  service?<T extends NodeService>(name: string, kind: abstract new (...args: never[]) => T): T | undefined;
  on<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void;
  off<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void;
}
