import { Counter, type CounterConfiguration, Gauge, Registry } from 'prom-client';
import { PEER_STATES, type PeerState } from '../peers/types.ts';

const STATES = PEER_STATES;

/** Peers whose byte totals are kept at most (the peer book's own bound is of the same order). */
const MAX_PEER_BYTES = 4096;

/** Each counter's name (prom-client's types do not expose it), for the counters() mirror's keys. */
const NAMES = new WeakMap<object, string>();

function counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
  const c = new Counter<L>(config);
  NAMES.set(c, config.name);
  return c;
}

/**
 * The node's Prometheus metrics, on a registry of its own (never prom-client's global one, so many
 * nodes can live in one process). Every name starts with `murmur_`.
 */
export class NodeMetrics {
  readonly registry: Registry;
  readonly peers: Gauge<'state'>;
  readonly connections: Gauge;
  readonly bytes: Counter<'protocol' | 'direction'>;
  readonly messages: Counter<'protocol' | 'direction'>;
  readonly legacyStreams: Counter<'protocol' | 'id'>;
  readonly handshakes: Counter;
  readonly refusals: Counter<'reason' | 'by'>;
  readonly strikes: Counter<'kind'>;
  readonly discovered: Counter<'source'>;
  readonly depth: Gauge;
  readonly #counts = new Map<string, number>();
  readonly #peerBytes = new Map<string, { in: number; out: number }>();

  constructor() {
    this.registry = new Registry();
    const registers = [this.registry];
    this.peers = new Gauge({
      name: 'murmur_peers',
      help: 'Peers per state',
      labelNames: ['state'],
      registers,
    });
    for (const state of STATES) this.peers.set({ state }, 0);
    this.connections = new Gauge({ name: 'murmur_connections', help: 'Open libp2p connections', registers });
    this.bytes = counter({
      name: 'murmur_protocol_bytes_total',
      help: 'Bytes sent/received per murmur protocol',
      labelNames: ['protocol', 'direction'],
      registers,
    });
    this.messages = counter({
      name: 'murmur_protocol_messages_total',
      help: 'Messages sent/received per murmur protocol',
      labelNames: ['protocol', 'direction'],
      registers,
    });
    this.legacyStreams = counter({
      name: 'murmur_protocol_legacy_streams_total',
      help: 'Streams that spoke a legacy protocol id (a peer of the previous version), by current and legacy id',
      labelNames: ['protocol', 'id'],
      registers,
    });
    this.handshakes = counter({
      name: 'murmur_handshakes_total',
      help: 'Handshakes completed',
      registers,
    });
    this.refusals = counter({
      name: 'murmur_handshake_refusals_total',
      help: 'Handshakes refused, by reason (self, duplicate, network, overlay, version, invalid) and side',
      labelNames: ['reason', 'by'],
      registers,
    });
    this.strikes = counter({
      name: 'murmur_misbehaviour_strikes_total',
      help: 'Misbehaviour strikes counted against peers, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.discovered = counter({
      name: 'murmur_peers_discovered_total',
      help: 'Peer addresses heard of, by source (bootstrap, hbbp, hive, inbound)',
      labelNames: ['source'],
      registers,
    });
    this.depth = new Gauge({ name: 'murmur_overlay_depth', help: 'Neighbourhood depth', registers });
  }

  setPeerCounts(counts: Record<PeerState, number>): void {
    for (const state of STATES) this.peers.set({ state }, counts[state]);
  }

  /**
   * Accounts bytes of one protocol (a FramedStream onBytes callback); with `peerId`, also in that
   * peer's totals (peerBytes).
   */
  onBytes(protocol: string, peerId?: string): (direction: 'in' | 'out', bytes: number) => void {
    const inc = this.#byDirection(this.bytes, protocol);
    if (peerId === undefined) return (direction, bytes) => inc[direction](bytes);
    return (direction, bytes) => {
      inc[direction](bytes);
      let t = this.#peerBytes.get(peerId);
      if (t === undefined) {
        // bounded: the peers seen longest ago are dropped first
        if (this.#peerBytes.size >= MAX_PEER_BYTES) {
          const oldest = this.#peerBytes.keys().next().value;
          if (oldest !== undefined) this.#peerBytes.delete(oldest);
        }
        t = { in: 0, out: 0 };
        this.#peerBytes.set(peerId, t);
      }
      t[direction] += bytes;
    };
  }

  /** Bytes of service protocols exchanged with a peer since the node started (0 if none). */
  peerBytes(peerId: string): { in: number; out: number } {
    const t = this.#peerBytes.get(peerId);
    return t === undefined ? { in: 0, out: 0 } : { ...t };
  }

  /**
   * Notes the id a stream of `protocol` (its current id) negotiated: one that is not the current id is
   * a legacy one, counted, so an operator sees when no peer needs the legacy ids any more.
   */
  negotiated(protocol: string, id: string | undefined): void {
    if (id !== undefined && id !== '' && id !== protocol) this.count(this.legacyStreams, { protocol, id });
  }

  message(protocol: string, direction: 'in' | 'out', n = 1): void {
    this.count(this.messages, { protocol, direction }, n);
  }

  /** Counts whole messages of one protocol (a stream onMessage callback, `n` messages at once). */
  onMessage(protocol: string): (direction: 'in' | 'out', n?: number) => void {
    const inc = this.#byDirection(this.messages, protocol);
    return (direction, n = 1) => inc[direction](n);
  }

  /** Increment functions of a {protocol, direction} counter with the label work done once. */
  #byDirection(
    counter: Counter<'protocol' | 'direction'>,
    protocol: string,
  ): Record<'in' | 'out', (n: number) => void> {
    const one = (direction: 'in' | 'out'): ((n: number) => void) => {
      const child = counter.labels({ protocol, direction });
      const key = this.#key(counter, { protocol, direction });
      return (n) => {
        child.inc(n);
        this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
      };
    };
    return { in: one('in'), out: one('out') };
  }

  #key<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): string {
    const name = NAMES.get(counter) ?? '';
    return `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
  }

  refused(reason: string, by: 'local' | 'remote'): void {
    this.count(this.refusals, { reason, by });
  }

  strike(kind: string): void {
    this.count(this.strikes, { kind });
  }

  /** Increments a counter and its mirror in counters(). */
  count<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>, n = 1): void {
    counter.inc(labels, n);
    const key = this.#key(counter, labels);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
  }

  /** Plain counter values (for NodeStatus.counters), keys like `murmur_handshakes_total{}`. */
  counters(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
