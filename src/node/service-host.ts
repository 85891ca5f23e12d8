import { EventEmitter } from 'node:events';
import type { Connection, Stream } from '@libp2p/interface';
import { Gauge } from 'prom-client';
import { type Clock, systemClock } from '../clock/index.ts';
import { claimStrike, MurmurError } from '../errors/index.ts';
import { send as hbbpSend } from '../hbbp/socket.ts';
import type { Logger } from '../log/index.ts';
import type { NodeMetrics } from '../metrics/index.ts';
import type { Kademlia } from '../overlay/index.ts';
import type { Host } from '../p2p/index.ts';
import type { PeerBook } from '../peers/index.ts';
import type {
  NodeService,
  ProtocolOptions,
  ServiceContext,
  ServiceEvents,
  ServicePeer,
} from '../service/context.ts';
import { currentProtocolId, type ProtocolIdMode, spokenProtocolIds } from '../service/protocols.ts';
import { briefError } from '../service/strikes.ts';
import { waitOrAbort } from '../service/wait.ts';
import type { MurmurStore } from '../store/index.ts';
import { SUBLEVELS } from '../store/index.ts';

/** Names a service cannot take: the node's own store namespaces. */
const RESERVED: ReadonlySet<string> = new Set(SUBLEVELS);

import { contextListeners } from '../service/events.ts';
import type { FrameChannel } from '../streamer/channel.ts';
import {
  FRAME_STALL_MS,
  SERVICE_ACTIVE_WAIT_MS,
  SERVICE_IDLE_TIMEOUT_MS,
  SERVICE_MAX_MESSAGE_BYTES,
  SERVICE_MAX_STREAMS,
} from './constants.ts';
import { FrameBudget, type FrameBudgetOptions } from './frame-budget.ts';
import type { Links } from './links.ts';
import { StreamChannel } from './stream-channel.ts';

type LanMessage = { key: string; payload: Uint8Array; from: string };
type ServiceStore = ServiceContext['store'];

export interface ServiceHostOptions {
  peerId: string;
  overlay: Uint8Array;
  networkId: string;
  /** The node's clock, handed to every service as `ctx.clock`. Default: the system clock. */
  clock?: Clock;
  logger: Logger;
  metrics: NodeMetrics;
  store: MurmurStore;
  host: Host;
  links: Links;
  book: PeerBook;
  kad: Kademlia;
  /** The handshake's advertised protocol list (service protocols are appended to it). */
  protocols: string[];
  /** Which of a protocol's ids services serve and dial (NodeOptions.protocolIds). Default 'all'. */
  protocolIds?: ProtocolIdMode;
  /** LAN broadcast settings when the node has an interface. */
  lan?: { iface: string; port?: number; address?: string };
  /** Bytes peers may hold in unfinished messages and the stall deadline (defaults: constants.ts). */
  frames?: FrameBudgetOptions & { stallMs?: number };
}

/**
 * Runs the node's services: builds each one's ServiceContext (store namespace, protocols over
 * framed libp2p streams restricted to active peers, peers/depth/events from the overlay, strikes,
 * LAN), starts them in order and stops them in reverse.
 */
export class ServiceHost {
  readonly #o: ServiceHostOptions;
  readonly #clock: Clock;
  readonly #events = new EventEmitter();
  readonly #lanSubs = new Set<{ prefix: string; fn: (m: LanMessage) => void }>();
  readonly #started: NodeService[] = [];
  readonly #protocols = new Set<string>();
  /** Inbound streams waiting for their connection's handshake: woken per peer id (see #activePeer). */
  readonly #waiting = new Map<string, Set<() => void>>();
  #stopping = false;
  /** Bytes peers hold in unfinished messages on service streams (per peer and in all). */
  readonly frames: FrameBudget;
  readonly #stallMs: number;

  constructor(options: ServiceHostOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#events.setMaxListeners(0);
    this.frames = new FrameBudget(options.frames);
    this.#stallMs = options.frames?.stallMs ?? FRAME_STALL_MS;
    const frames = this.frames;
    // a node started again builds a new host on the same registry
    options.metrics.registry.removeSingleMetric('murmur_frame_partial_bytes');
    new Gauge({
      name: 'murmur_frame_partial_bytes',
      help: 'Bytes reserved for unfinished messages peers are sending on service streams',
      registers: [options.metrics.registry],
      collect() {
        this.set(frames.held);
      },
    });
  }

  /** Fan-out of node happenings to services. */
  emit<E extends keyof ServiceEvents>(event: E, detail: ServiceEvents[E]): void {
    if (event === 'peer:active') this.#wake((detail as ServicePeer).peerId);
    for (const l of this.#events.listeners(event)) {
      try {
        (l as (d: ServiceEvents[E]) => void)(detail);
      } catch (err) {
        this.#o.logger.warn({ err, event }, 'service event listener threw');
      }
    }
  }

  /** A LAN datagram whose key is not the node's own announcement. */
  lanMessage(msg: LanMessage): void {
    for (const s of this.#lanSubs) {
      if (!msg.key.startsWith(s.prefix)) continue;
      try {
        s.fn(msg);
      } catch (err) {
        this.#o.logger.warn({ err, key: msg.key }, 'LAN subscriber threw');
      }
    }
  }

  servicePeer(peerId: string, overlay: Uint8Array): ServicePeer {
    return { peerId, overlay, po: this.#o.kad.po(overlay) };
  }

  async start(services: readonly NodeService[], signal?: AbortSignal): Promise<void> {
    const names = new Set<string>();
    for (const s of services) {
      if (!/^[a-z][a-z0-9_-]*$/.test(s.name) || names.has(s.name) || RESERVED.has(s.name)) {
        throw new MurmurError('MURMUR_INVALID_ARGUMENT', `bad or duplicate service name '${s.name}'`);
      }
      names.add(s.name);
    }
    this.#o.host.addEventListener('connection:close', this.#onClose);
    for (const s of services) {
      await s.start(this.#context(s.name), signal === undefined ? {} : { signal });
      this.#started.push(s);
    }
  }

  /**
   * Stops the started services in reverse, each given the signal. Once it fires, the remaining
   * services are still asked to stop (with the fired signal) but not waited for.
   */
  async stop(signal?: AbortSignal): Promise<void> {
    this.#stopping = true;
    this.#o.host.removeEventListener('connection:close', this.#onClose);
    for (const peerId of [...this.#waiting.keys()]) this.#wake(peerId);
    while (this.#started.length > 0) {
      const s = this.#started.pop()!;
      const stopping = Promise.resolve()
        .then(() => s.stop(signal === undefined ? {} : { signal }))
        .catch((err: unknown) => this.#o.logger.warn({ err, service: s.name }, 'service stop failed'));
      if (signal?.aborted !== true) await waitOrAbort(stopping, signal);
    }
    if (signal?.aborted !== true) {
      for (const p of this.#protocols)
        await waitOrAbort(
          this.#o.host.unhandle(p).catch(() => {}),
          signal,
        );
    }
    this.#protocols.clear();
    this.#events.removeAllListeners();
    this.#lanSubs.clear();
  }

  #store(name: string): ServiceStore {
    return this.#o.store.sublevel(name);
  }

  #channel(stream: Stream, protocol: string, peerId: string, options: ProtocolOptions): StreamChannel {
    const { metrics, links, logger } = this.#o;
    return new StreamChannel(stream, {
      clock: this.#clock,
      maxBytes: options.maxMessageBytes ?? SERVICE_MAX_MESSAGE_BYTES,
      idleTimeoutMs: options.idleTimeoutMs ?? SERVICE_IDLE_TIMEOUT_MS,
      budget: this.frames.forPeer(peerId),
      stallTimeoutMs: this.#stallMs,
      onBytes: metrics.onBytes(protocol, peerId),
      onMessage: metrics.onMessage(protocol),
      onViolation: (_kind, err) => {
        // the table's kind (oversized / undecodable), claimed so the service seeing the same error
        // thrown from its channel does not strike it again
        const kind = claimStrike(err);
        logger.debug({ peerId, protocol, kind, err: err.message }, 'service frame violation');
        if (kind !== undefined && !this.#stopping) links.strike(peerId, kind);
      },
    });
  }

  /** The peer on `connection` if that connection is its active (handshaken) one. */
  #activeOn(connection: Connection): ServicePeer | undefined {
    const peerId = connection.remotePeer.toString();
    if (this.#o.links.activeConnection(peerId)?.id !== connection.id) return undefined;
    const overlay = this.#o.kad.connectedPeers().find((p) => p.peerId === peerId)?.overlay;
    return overlay === undefined ? undefined : this.servicePeer(peerId, overlay);
  }

  /**
   * Waits (briefly) for the handshake running on `connection` so a fast dialler is served: woken when
   * a peer turns active (`emit('peer:active')`), a connection of that peer closes, the host stops, or
   * SERVICE_ACTIVE_WAIT_MS pass on the clock.
   */
  async #activePeer(connection: Connection): Promise<ServicePeer | undefined> {
    const now = this.#activeOn(connection);
    if (now !== undefined) return now;
    const peerId = connection.remotePeer.toString();
    let expired = false;
    let wake: (() => void) | undefined;
    const timer = this.#clock.setTimeout(
      () => {
        expired = true;
        wake?.();
      },
      SERVICE_ACTIVE_WAIT_MS,
      { ref: true },
    );
    try {
      for (;;) {
        if (expired || connection.status !== 'open' || this.#stopping) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#waitersOf(peerId).add(resolve);
        });
        const peer = this.#activeOn(connection);
        if (peer !== undefined) return peer;
      }
    } finally {
      this.#clock.clearTimeout(timer);
      if (wake !== undefined) this.#waiting.get(peerId)?.delete(wake);
    }
  }

  #waitersOf(peerId: string): Set<() => void> {
    let set = this.#waiting.get(peerId);
    if (set === undefined) {
      set = new Set();
      this.#waiting.set(peerId, set);
    }
    return set;
  }

  /** Wakes the streams waiting on `peerId`; each checks its own connection again. */
  #wake(peerId: string): void {
    const set = this.#waiting.get(peerId);
    if (set === undefined) return;
    this.#waiting.delete(peerId);
    for (const fn of set) fn();
  }

  readonly #onClose = (evt: CustomEvent<Connection>): void => {
    this.#wake(evt.detail.remotePeer.toString());
  };

  #context(name: string): ServiceContext {
    const o = this.#o;
    const log = o.logger.child({ service: name });
    const events = this.#events;
    const store = this.#store(name);
    const lanCfg = o.lan;
    const lan: ServiceContext['lan'] =
      lanCfg === undefined
        ? undefined
        : {
            send: async (key, payload, options = {}) => {
              const opts: Parameters<typeof hbbpSend>[0] = { iface: lanCfg.iface, key, payload };
              if (lanCfg.port !== undefined) opts.port = lanCfg.port;
              if (lanCfg.address !== undefined) opts.address = lanCfg.address;
              if (options.signal !== undefined) opts.signal = options.signal;
              await hbbpSend(opts);
            },
            subscribe: (keyPrefix, onMessage) => {
              const sub = { prefix: keyPrefix, fn: onMessage };
              this.#lanSubs.add(sub);
              return () => {
                this.#lanSubs.delete(sub);
              };
            },
          };
    const ctx: ServiceContext = {
      peerId: o.peerId,
      overlay: o.overlay,
      networkId: o.networkId,
      clock: this.#clock,
      clockOffset: () => o.links.clockOffset.estimate(),
      logger: log,
      metrics: o.metrics.registry,
      store,
      lan,
      handle: async (protocolIds, handler, options = {}) => {
        const protocol = currentProtocolId(protocolIds);
        const ids = spokenProtocolIds(protocolIds, o.protocolIds);
        for (const id of ids) {
          this.#protocols.add(id);
          if (!o.protocols.includes(id)) o.protocols.push(id);
        }
        await o.host.handle(
          [...ids],
          async (stream, connection) => {
            o.metrics.negotiated(protocol, stream.protocol);
            const peer = await this.#activePeer(connection);
            if (peer === undefined) {
              stream.abort(new MurmurError('MURMUR_PEER_NOT_ACTIVE', 'handshake first'));
              return;
            }
            o.book.activity(peer.peerId);
            const channel = this.#channel(stream, protocol, peer.peerId, options);
            try {
              await handler(channel, peer);
            } catch (err) {
              // misbehaviour by the table (a code with a strike kind, not struck yet) strikes the
              // peer; any other exception (a bug, churn) strikes nobody
              const kind = claimStrike(err);
              log.debug(
                { err: briefError(err), protocol, peerId: peer.peerId, kind },
                'service handler failed',
              );
              if (kind !== undefined) ctx.strike(peer.peerId, kind);
              channel.close(err as Error);
            }
          },
          { maxInboundStreams: SERVICE_MAX_STREAMS, maxOutboundStreams: SERVICE_MAX_STREAMS, force: true },
        );
      },
      dial: async (peerId, protocolIds, options = {}) => {
        const protocol = currentProtocolId(protocolIds);
        const ids = spokenProtocolIds(protocolIds, o.protocolIds);
        const conn = o.links.activeConnection(peerId);
        if (conn === undefined || this.#stopping) {
          throw new MurmurError('MURMUR_PEER_NOT_ACTIVE', `${peerId} is not an active peer`, {
            details: { peerId },
          });
        }
        let stream: Stream;
        try {
          stream = await conn.newStream([...ids], {
            signal: options.signal ?? this.#clock.timeout(SERVICE_IDLE_TIMEOUT_MS),
            maxOutboundStreams: SERVICE_MAX_STREAMS,
          });
        } catch (err) {
          if (options.signal?.aborted === true) {
            throw new MurmurError('MURMUR_ABORTED', 'dial aborted', { cause: err });
          }
          if ((err as Error | undefined)?.name === 'UnsupportedProtocolError') {
            throw new MurmurError('MURMUR_PROTOCOL_UNSUPPORTED', `${peerId} does not serve ${protocol}`, {
              cause: err,
              details: { peerId, protocol },
            });
          }
          throw new MurmurError('MURMUR_DIAL_FAILED', `cannot open ${protocol} to ${peerId}`, {
            cause: err,
            details: { peerId, protocol },
          });
        }
        o.metrics.negotiated(protocol, stream.protocol);
        return this.#channel(stream, protocol, peerId, options) as FrameChannel;
      },
      strike: (peerId, kind) => {
        if (!this.#stopping) o.links.strike(peerId, `${name}:${kind}`);
      },
      peers: () =>
        o.kad
          .connectedPeers()
          .filter((p) => o.links.isActive(p.peerId))
          .map((p) => this.servicePeer(p.peerId, p.overlay)),
      depth: () => o.kad.depth,
      ...contextListeners(events),
    };
    return ctx;
  }
}
