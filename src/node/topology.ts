import { peerIdFromString } from '@libp2p/peer-id';
import { toHex } from '../bytes/index.ts';
import type { Clock } from '../clock/index.ts';
import type { Hive } from '../discovery/hive.ts';
import type { HelloInfo } from '../handshake/index.ts';
import type { Logger } from '../log/index.ts';
import type { NodeMetrics } from '../metrics/index.ts';
import type { Kademlia, OverlayPeer } from '../overlay/index.ts';
import type { Host } from '../p2p/index.ts';
import type { PeerBook } from '../peers/index.ts';
import { MAX_PENDING_DIALS } from './constants.ts';
import type { Links } from './links.ts';
import type { ServiceHost } from './service-host.ts';

/** What the node's topology work reads; the parts made later in start() are getters. */
export interface TopologyDeps {
  readonly peerId: string;
  readonly kad: Kademlia;
  readonly book: PeerBook;
  readonly host: Host;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  links(): Links | undefined;
  hive(): Hive | undefined;
  services(): ServiceHost | undefined;
  /** The node has started (dial suggestions only then). */
  running(): boolean;
  /** The node is stopping (no new dials). */
  stopping(): boolean;
}

/**
 * The node's overlay upkeep: a peer that becomes active joins Kademlia and gets our hive gossip, hive
 * gossip received feeds the overlay and the peer book, and the dials the overlay suggests (unsaturated
 * bins, then the neighbourhood) and the peer book asks for are made; heartbeat pings.
 */
export class Topology {
  readonly #d: TopologyDeps;

  constructor(deps: TopologyDeps) {
    this.#d = deps;
  }

  onActive(peerId: string, hello: HelloInfo): void {
    const peer: OverlayPeer = { peerId, overlay: hello.overlay, addresses: hello.addrs };
    this.#d.kad.addKnown(peer);
    this.#d.kad.connected(peer);
    const services = this.#d.services();
    services?.emit('peer:active', services.servicePeer(peerId, hello.overlay));
    this.sendHive(peerId, hello.overlay);
    // next event-loop turn (the dial that led here has settled): not a time, so on no clock
    setImmediate(() => this.dialSuggested());
  }

  sendHive(peerId: string, overlay: Uint8Array): void {
    const conn = this.#d.links()?.activeConnection(peerId);
    if (conn === undefined) return;
    const peers = this.#d.kad.peersToGossip(overlay).filter((p) => p.peerId !== peerId);
    this.#d
      .hive()
      ?.send(conn, peers)
      .catch((err: unknown) => this.#d.log.debug({ peerId, err }, 'hive send failed'));
  }

  gossipAll(): void {
    for (const p of this.#d.kad.connectedPeers()) this.sendHive(p.peerId, p.overlay);
  }

  onHivePeers(from: string, peers: OverlayPeer[]): void {
    this.#d.book.activity(from);
    for (const p of peers) {
      if (p.peerId === this.#d.peerId) continue;
      this.#d.metrics.count(this.#d.metrics.discovered, { source: 'hive' });
      // a peer the table does not keep (its bin holds maxKnownPerBin) is not recorded in the book
      // either: the book stays bounded like the table
      if (!this.#d.kad.addKnown(p)) continue;
      this.#d.book.discovered(p.peerId, p.addresses, 'hive', toHex(p.overlay));
    }
    this.dialSuggested();
  }

  /** Dials what the overlay suggests (fill unsaturated bins, then the whole neighbourhood). */
  dialSuggested(): void {
    const links = this.#d.links();
    const book = this.#d.book;
    if (!this.#d.running() || links === undefined) return;
    const room = MAX_PENDING_DIALS - links.pending.size;
    if (room <= 0) return;
    const now = this.#d.clock.now();
    const due = (id: string): boolean => (book.get(id)?.nextAttemptAt ?? 0) <= now;
    const picks = this.#d.kad.suggestDial({
      limit: room,
      pending: links.pending,
      exclude: (id) => {
        const s = book.stateOf(id);
        return (
          links.isActive(id) || s === 'purgatory' || s === 'connecting' || (s === 'lifesupport' && !due(id))
        );
      },
    });
    for (const p of picks) this.dialQuietly(p.peerId, p.addresses);
  }

  dialQuietly(peerId: string, addresses: readonly string[]): void {
    const links = this.#d.links();
    if (this.#d.stopping() || links === undefined) return;
    if (links.isActive(peerId) || links.pending.has(peerId)) return;
    links.dial(peerId, addresses).catch((err: unknown) => this.#d.log.debug({ peerId, err }, 'dial failed'));
  }

  ping(peerId: string): void {
    const { host, book } = this.#d;
    book.pingSent(peerId);
    const timeout = book.config.pongTimeoutMs;
    host.services.ping
      .ping(peerIdFromString(peerId), { signal: this.#d.clock.timeout(timeout) })
      .then(() => book.pongReceived(peerId))
      .catch(() => {
        book.pongMissed(peerId);
        this.#d.links()?.activeConnection(peerId)?.abort(new Error('heartbeat missed'));
      });
  }
}
