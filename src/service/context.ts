import type { Registry } from 'prom-client';
import type { Clock } from '../clock/index.ts';
import type { RouteTable } from '../http/types.ts';
import type { Logger } from '../log/index.ts';
import type { Level } from '../store/index.ts';
import type { FrameChannel } from '../streamer/channel.ts';
import type { ProtocolIds } from './protocols.ts';

/**
 * The extension point through which the replicated data kinds (tree, chunks, journals) run inside a
 * node. A service is handed a ServiceContext at start: its own storage namespace, its libp2p
 * protocols as message channels, the overlay's view of connected peers, penalties for misbehaving
 * peers, LAN broadcast, metrics and a logger. It never touches libp2p, the peer book or the store root
 * directly, so every service can also run in the in-process simulator with a context of its own.
 */
export interface NodeService {
  /** Unique, lowercase: also the storage namespace and the metrics prefix (`murmur_<name>_*`). */
  readonly name: string;
  start(ctx: ServiceContext, options?: { signal?: AbortSignal }): Promise<void>;
  stop(options?: { signal?: AbortSignal }): Promise<void>;
  /** Adds the service's local API routes (`/v1/<name>/…`); called by the daemon before the API starts. */
  routes?(api: RouteTable): void;
}

/** A connected, handshaken peer as services see it. */
export interface ServicePeer {
  peerId: string;
  /** 32-byte overlay address. */
  overlay: Uint8Array;
  /** Proximity order to this node (0..31). */
  po: number;
}

export interface ProtocolOptions {
  /** Per-message byte cap, checked before a message body is buffered. Default 1 MiB + framing. */
  maxMessageBytes?: number;
  /** Idle time allowed between two messages on a stream before it is aborted. Default 30 s. */
  idleTimeoutMs?: number;
}

export interface ServiceEvents {
  /** A peer finished the murmur handshake. */
  'peer:active': ServicePeer;
  /** A peer's connection closed or it left the active state. */
  'peer:inactive': { peerId: string };
  /** The neighbourhood depth changed. */
  depth: { depth: number };
}

export interface ServiceContext {
  readonly peerId: string;
  readonly overlay: Uint8Array;
  readonly networkId: string;
  readonly logger: Logger;
  /**
   * Time and timers of this node: the system clock in a real node, the network's virtual clock in
   * the simulator. A service takes `now()`, its timers, sleeps and deadlines from here, never from
   * `Date.now`/`setTimeout`, so it runs on virtual time in the simulator.
   */
  readonly clock: Clock;
  /** The node's registry; name series `murmur_<service>_*`. */
  readonly metrics: Registry;
  /** The service's own namespace of the node's store (a sublevel named after the service). */
  readonly store: Level;
  /**
   * Serves a libp2p protocol (`/murmur/<kind>/<name>/<version>`), under every id given (its current id
   * first, then its legacy ids: src/service/protocols.ts). The handler gets each inbound stream from
   * an active peer as a FrameChannel of length-prefixed messages. Oversized or malformed frames
   * abort the stream and strike the peer; a handler's exception is logged and strikes the peer only
   * when the error table gives its code a strike kind (and nobody struck that error yet).
   * Metrics and logs name the protocol by its current id.
   */
  handle(
    protocol: ProtocolIds,
    handler: (channel: FrameChannel, peer: ServicePeer) => void | Promise<void>,
    options?: ProtocolOptions,
  ): Promise<void>;
  /**
   * Opens a new stream of `protocol` to an active peer (MURMUR_PEER_NOT_ACTIVE otherwise), offering
   * its ids in order: the stream speaks the first one the peer serves (an older peer: a legacy id).
   */
  dial(
    peerId: string,
    protocol: ProtocolIds,
    options?: ProtocolOptions & { signal?: AbortSignal },
  ): Promise<FrameChannel>;
  /**
   * Reports a misbehaving peer (forged data, protocol violation); past a threshold → purgatory. Take
   * the kind from the error table (`strikeFor` in ./strikes.ts), never strike churn.
   */
  strike(peerId: string, kind: string): void;
  /** Active peers, with overlay addresses and proximity. */
  peers(): ServicePeer[];
  /** Current neighbourhood depth. */
  depth(): number;
  /**
   * This node's estimated wall-clock offset against its active peers' clocks (ms, positive: ahead;
   * the median over `peers`), or undefined with no estimate (no peer, or a context without one).
   */
  clockOffset?(): { offsetMs: number; peers: number } | undefined;
  /** Listens to a node happening; returns the function that removes the listener. */
  on<E extends keyof ServiceEvents>(event: E, listener: (detail: ServiceEvents[E]) => void): () => void;
  off<E extends keyof ServiceEvents>(event: E, listener: (detail: ServiceEvents[E]) => void): void;
  /**
   * LAN broadcast over HBBP on the node's interface, when one is configured (else undefined):
   * send under a key, and receive datagrams whose key starts with a prefix.
   */
  readonly lan:
    | {
        send(key: string, payload: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
        subscribe(
          keyPrefix: string,
          onMessage: (msg: { key: string; payload: Uint8Array; from: string }) => void,
        ): () => void;
      }
    | undefined;
}
