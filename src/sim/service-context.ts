import '../p2p/codes.ts';
import { EventEmitter } from 'node:events';
import type { AbstractLevel } from 'abstract-level';
import { Counter, Registry } from 'prom-client';
import { claimStrike, MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { fromHex } from '../overlay/address.ts';
import type { ProtocolOptions, ServiceContext, ServiceEvents, ServicePeer } from '../service/context.ts';
import { contextListeners } from '../service/events.ts';
import { currentProtocolId, type ProtocolIdMode, spokenProtocolIds } from '../service/protocols.ts';
import { BusChannel, CLOSE, DATA, FROM_DIALER, OPEN, RESET } from './bus-channel.ts';
import type { SimNetwork } from './network.ts';
import type { SimOverlayNode } from './overlay-node.ts';

const DEFAULT_MAX = 1024 * 1024 + 1024;
const DEFAULT_IDLE_MS = 30_000;
const STRIKES_METRIC = 'murmur_misbehaviour_strikes_total';
const LEGACY_METRIC = 'murmur_protocol_legacy_streams_total';

/** The protocol ids each node of a network serves (every context of the node adds its own). */
const served = new WeakMap<SimNetwork, Map<string, Set<string>>>();
function servedBy(network: SimNetwork, nodeId: string): Set<string> {
  let nodes = served.get(network);
  if (nodes === undefined) {
    nodes = new Map();
    served.set(network, nodes);
  }
  let ids = nodes.get(nodeId);
  if (ids === undefined) {
    ids = new Set();
    nodes.set(nodeId, ids);
  }
  return ids;
}

type Handler = Parameters<ServiceContext['handle']>[1];

export interface SimServiceContextOptions {
  network: SimNetwork;
  node: SimOverlayNode;
  /** The service's name: strikes it reports are counted as `<name>:<kind>`, as in the node. */
  name: string;
  store: AbstractLevel<string | Uint8Array, string | Uint8Array, Uint8Array>;
  logger?: Logger;
  metrics?: Registry;
  /** Which of a protocol's ids the service serves and dials, as NodeOptions.protocolIds. Default 'all'. */
  protocolIds?: ProtocolIdMode;
}

/** A counter of a registry shared by contexts (the node's series of the same name and labels). */
function sharedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * A ServiceContext for the in-process simulator, with the node's guarantees (docs/SERVICES.md):
 * protocols are streams multiplexed over the SimNetwork bus (`svc<protocol>` messages: kind ‖ stream
 * id ‖ frame), served to and dialled from active peers only; a dial speaks the first of its ids the
 * remote serves (as multistream-select picks it); peers, depth and events come from the
 * SimOverlayNode's Kademlia and peer book; caps, idle timeouts (on the bus's virtual clock), resets
 * and strikes (`<name>:<kind>`, counted in `murmur_misbehaviour_strikes_total` of `metrics`) as in
 * the node. Messages travel on the virtual clock: drive it (e.g. `network.clock.advance(1)` in a
 * loop) while services run; use jitter 0 so frames keep order and loss 0 (streams have no
 * retransmission). No LAN.
 */
export function simServiceContext(options: SimServiceContextOptions): ServiceContext & { strikes: string[] } {
  const { network, node, name } = options;
  const logger = (options.logger ?? silentLogger).child({ service: name });
  const metrics = options.metrics ?? new Registry();
  const strikeCount = sharedCounter(
    metrics,
    STRIKES_METRIC,
    'Misbehaviour strikes counted against peers, by kind',
    ['kind'],
  );
  const legacyCount = sharedCounter(
    metrics,
    LEGACY_METRIC,
    'Streams that spoke a legacy protocol id (a peer of the previous version), by current and legacy id',
    ['protocol', 'id'],
  );
  const negotiated = (protocol: string, id: string): void => {
    if (id !== protocol) legacyCount.inc({ protocol, id });
  };
  const serves = servedBy(network, node.id);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const strikes: string[] = [];
  const streams = new Map<string, BusChannel>();
  /** Peers announced with peer:active and not yet with peer:inactive. */
  const announced = new Set<string>();
  let nextId = 1;
  const servicePeer = (peerId: string, overlay: Uint8Array): ServicePeer => ({
    peerId,
    overlay,
    po: node.kad.po(overlay),
  });
  const isActive = (peerId: string): boolean => node.book.stateOf(peerId) === 'active';
  const activePeer = (peerId: string): ServicePeer | undefined => {
    if (!isActive(peerId)) return undefined;
    const hex = node.book.get(peerId)?.overlay;
    if (hex !== undefined) return servicePeer(peerId, fromHex(hex));
    const p = node.kad.connectedPeers().find((x) => x.peerId === peerId);
    return p === undefined ? undefined : servicePeer(p.peerId, p.overlay);
  };
  const emit = <E extends keyof ServiceEvents>(event: E, detail: ServiceEvents[E]): void => {
    for (const l of events.listeners(event)) {
      try {
        (l as (d: ServiceEvents[E]) => void)(detail);
      } catch (err) {
        logger.warn({ err, event }, 'service event listener threw');
      }
    }
  };
  const record = (peerId: string, kind: string): void => {
    strikes.push(`${peerId}:${kind}`);
    strikeCount.inc({ kind });
    node.book.misbehaved(peerId, kind);
  };
  node.book.on('state', (info) => {
    if (info.state === 'active') {
      if (announced.has(info.peerId)) return;
      const p = activePeer(info.peerId);
      if (p === undefined) return;
      announced.add(info.peerId);
      emit('peer:active', p);
    } else if (announced.delete(info.peerId)) {
      emit('peer:inactive', { peerId: info.peerId });
    }
  });
  node.kad.on('depth', ({ depth }) => emit('depth', { depth }));

  const frameOf = (kind: number, id: number, frame: Uint8Array): Uint8Array => {
    const out = new Uint8Array(5 + frame.length);
    out[0] = kind;
    new DataView(out.buffer).setUint32(1, id);
    out.set(frame, 5);
    return out;
  };
  /** `dialer`: this end opened the stream; its frames carry FROM_DIALER so the remote can tell. */
  const channel = (
    peer: string,
    protocol: string,
    label: string,
    id: number,
    dialer: boolean,
    opts: ProtocolOptions,
  ): BusChannel => {
    const key = `${protocol}|${peer}|${id}|${dialer ? 'out' : 'in'}`;
    const ch = new BusChannel({
      sendRaw: (kind, frame) => {
        if (kind === CLOSE || kind === RESET) streams.delete(key);
        const k = dialer ? kind | FROM_DIALER : kind;
        network.send(node.id, peer, `svc${protocol}`, frameOf(k, id, frame));
      },
      max: opts.maxMessageBytes ?? DEFAULT_MAX,
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_MS,
      clock: network.clock,
      onViolation: (err) => {
        const kind = claimStrike(err);
        logger.debug({ peerId: peer, protocol: label, kind, err: err.message }, 'service frame violation');
        if (kind !== undefined) record(peer, kind);
      },
    });
    streams.set(key, ch);
    return ch;
  };
  const listen = (protocol: string): void => {
    network.handle(node.id, `svc${protocol}`, (from, payload) => {
      if (payload.length < 5) return;
      const raw = payload[0]!;
      const kind = raw & ~FROM_DIALER;
      const id = new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(1);
      if (kind === OPEN) {
        onOpen(protocol, from, id);
        return;
      }
      // frames from the remote's dialled stream go to our inbound end, others to our outbound end
      const key = `${protocol}|${from}|${id}|${(raw & FROM_DIALER) !== 0 ? 'in' : 'out'}`;
      const ch = streams.get(key);
      if (ch === undefined) return;
      if (kind === DATA) ch.push(payload.slice(5));
      else if (kind === CLOSE) ch.remoteClosed();
      else if (kind === RESET) {
        streams.delete(key);
        ch.remoteReset();
      }
    });
  };
  /** Served id → its handler, options and the protocol's current id. */
  const handled = new Map<string, { handler: Handler; options: ProtocolOptions; label: string }>();
  const dialled = new Set<string>();

  const ctx: ServiceContext & { strikes: string[] } = {
    strikes,
    peerId: node.id,
    overlay: node.overlay,
    networkId: 'sim',
    clock: network.clock,
    logger,
    metrics,
    store: options.store,
    lan: undefined,
    async handle(protocolIds, handler, opts = {}) {
      const label = currentProtocolId(protocolIds);
      for (const protocol of spokenProtocolIds(protocolIds, options.protocolIds)) {
        handled.set(protocol, { handler, options: opts, label });
        serves.add(protocol);
        if (dialled.has(protocol)) continue; // the listener already routes both directions
        dialled.add(protocol);
        listen(protocol);
      }
    },
    async dial(peerId, protocolIds, opts = {}) {
      if (!isActive(peerId) || !node.kad.isConnected(peerId)) {
        throw new MurmurError('MURMUR_PEER_NOT_ACTIVE', `${peerId} is not an active peer`, {
          details: { peerId },
        });
      }
      if (opts.signal?.aborted === true) throw new MurmurError('MURMUR_ABORTED', 'dial aborted');
      // as multistream-select: the first offered id the remote serves (none: the first, then reset)
      const label = currentProtocolId(protocolIds);
      const offered = spokenProtocolIds(protocolIds, options.protocolIds);
      const remote = servedBy(network, peerId);
      const protocol = offered.find((p) => remote.has(p)) ?? offered[0]!;
      negotiated(label, protocol);
      if (!dialled.has(protocol)) {
        dialled.add(protocol);
        listen(protocol);
      }
      const id = nextId++;
      const ch = channel(peerId, protocol, label, id, true, opts);
      network.send(node.id, peerId, `svc${protocol}`, frameOf(OPEN | FROM_DIALER, id, new Uint8Array(0)));
      return ch;
    },
    strike(peerId, kind) {
      record(peerId, `${name}:${kind}`);
    },
    peers: () =>
      node.kad
        .connectedPeers()
        .filter((p) => isActive(p.peerId))
        .map((p) => servicePeer(p.peerId, p.overlay)),
    depth: () => node.kad.depth,
    ...contextListeners(events),
  };

  function onOpen(protocol: string, from: string, id: number): void {
    const h = handled.get(protocol);
    const peer = activePeer(from);
    if (h === undefined || peer === undefined) {
      network.send(node.id, from, `svc${protocol}`, frameOf(RESET, id, new Uint8Array(0)));
      return;
    }
    node.book.activity(from);
    negotiated(h.label, protocol);
    const ch = channel(from, protocol, h.label, id, false, h.options);
    Promise.resolve()
      .then(() => h.handler(ch, peer))
      .catch((err: unknown) => {
        // as in the node: logged, the channel aborted (a reset for the dialler); struck only when
        // the table gives the error a strike kind (and nobody struck it yet)
        const kind = claimStrike(err);
        logger.debug({ err, protocol: h.label, peerId: from, kind }, 'service handler failed');
        if (kind !== undefined) ctx.strike(from, kind);
        ch.close(err instanceof Error ? err : new Error(String(err)));
      });
  }

  return ctx;
}
