import { strikeKindOf } from '../errors/index.ts';
import { fromHex, overlayAddress, toHex } from '../overlay/address.ts';
import { MAX_HIVE_PEERS } from '../overlay/constants.ts';
import { decodeHive, encodeHive } from '../overlay/hive.ts';
import { Kademlia } from '../overlay/kademlia.ts';
import type { OverlayPeer } from '../overlay/types.ts';
import { PeerBook } from '../peers/book.ts';
import type { PeerBookConfig } from '../peers/types.ts';
import type { SimNetwork } from './network.ts';

/** Protocol names the simulated overlay uses on the bus. */
export const SIM_PROTOCOLS = {
  hello: 'overlay/hello',
  welcome: 'overlay/welcome',
  refuse: 'overlay/refuse',
  bye: 'overlay/bye',
  hive: 'overlay/hive',
  ping: 'overlay/ping',
  pong: 'overlay/pong',
} as const;

export interface SimOverlayNodeOptions {
  networkId?: string;
  saturation?: number;
  /** Period of the dial loop in virtual ms. Default 500. */
  maintainMs?: number;
  /** Dials in flight at most. Default 4. */
  dialConcurrency?: number;
  book?: Partial<PeerBookConfig>;
  /** Known peers kept per bin (the Kademlia default when unset). */
  maxKnownPerBin?: number;
  /**
   * Encode hive messages as protobuf on the bus, as the node does on the wire. Default false: the
   * peer list travels as an in-process value (copied, capped at MAX_HIVE_PEERS) and is counted at
   * its approximate encoded size; byte payloads on the hive protocol are still decoded and checked.
   */
  hiveWire?: boolean;
}

const EMPTY = new Uint8Array(0);

/** Overlay address of a simulated node: overlayAddress(UTF-8 of its id, network id). */
export function simOverlay(id: string, networkId = 'sim'): Uint8Array {
  return overlayAddress(Buffer.from(id, 'utf8'), networkId);
}

/**
 * One simulated node: a PeerBook and a Kademlia table wired to the message bus exactly as the real
 * node wires them to libp2p (handshake, hive on connect / on depth change / announcing new peers,
 * heartbeat pings, reconnect backoff).
 */
export class SimOverlayNode {
  readonly id: string;
  readonly overlay: Uint8Array;
  readonly book: PeerBook;
  readonly kad: Kademlia;
  readonly #net: SimNetwork;
  readonly #networkId: string;
  readonly #maintainMs: number;
  readonly #concurrency: number;
  readonly #hiveWire: boolean;
  readonly #pending = new Set<string>();
  #timer: unknown;
  #running = false;
  #depthChanged = false;
  /** New peers to announce, per connected peer, sent in one hive message per round. */
  readonly #announce = new Map<string, OverlayPeer[]>();

  constructor(net: SimNetwork, id: string, options: SimOverlayNodeOptions = {}) {
    this.#net = net;
    this.id = id;
    this.#networkId = options.networkId ?? 'sim';
    this.overlay = simOverlay(id, this.#networkId);
    this.#maintainMs = options.maintainMs ?? 500;
    this.#concurrency = options.dialConcurrency ?? 4;
    this.#hiveWire = options.hiveWire ?? false;
    this.kad = new Kademlia({
      base: this.overlay,
      ...(options.saturation ? { saturation: options.saturation } : {}),
      ...(options.maxKnownPerBin ? { maxKnownPerBin: options.maxKnownPerBin } : {}),
    });
    this.book = new PeerBook({
      selfId: id,
      clock: net.clock,
      config: options.book ?? {},
      proximity: (hex) => this.kad.po(fromHex(hex)),
    });
    this.book.on('state', (info) => {
      if (info.state === 'lifesupport' || info.state === 'purgatory') {
        this.#pending.delete(info.peerId);
        if (this.kad.isConnected(info.peerId)) {
          this.kad.disconnected(info.peerId);
          this.#net.send(this.id, info.peerId, SIM_PROTOCOLS.bye, EMPTY);
        }
      }
    });
    this.book.on('forgotten', ({ peerId }) => {
      this.#pending.delete(peerId);
      this.kad.removeKnown(peerId);
    });
    this.book.on('dial', (p) => this.dial(p.peerId));
    this.book.on('ping', (p) => {
      this.#net.send(this.id, p.peerId, SIM_PROTOCOLS.ping, EMPTY);
      this.book.pingSent(p.peerId);
    });
    this.kad.on('depth', () => {
      this.#depthChanged = true;
    });
  }

  get running(): boolean {
    return this.#running;
  }

  /** Brings the node up on the bus and dials the bootstrap ids. */
  async start(bootstrap: readonly string[] = []): Promise<void> {
    const net = this.#net;
    net.addNode(this.id);
    net.handle(this.id, SIM_PROTOCOLS.hello, (from, payload) => this.#onHello(from, payload));
    net.handle(this.id, SIM_PROTOCOLS.welcome, (from, payload) => this.#onWelcome(from, payload));
    net.handle(this.id, SIM_PROTOCOLS.refuse, (from) => {
      this.#pending.delete(from);
      this.book.dialFailed(from, 'refused');
    });
    net.handle(this.id, SIM_PROTOCOLS.bye, (from) => this.book.disconnected(from, 'closed by peer'));
    net.handle(this.id, SIM_PROTOCOLS.hive, (from, payload, value) => this.#onHive(from, payload, value));
    net.handle(this.id, SIM_PROTOCOLS.ping, (from) => {
      if (this.book.stateOf(from) === 'active') {
        this.book.activity(from);
        net.send(this.id, from, SIM_PROTOCOLS.pong, EMPTY);
      } else {
        net.send(this.id, from, SIM_PROTOCOLS.bye, EMPTY);
      }
    });
    net.handle(this.id, SIM_PROTOCOLS.pong, (from) => this.book.pongReceived(from));
    this.#running = true;
    await this.book.start();
    for (const id of bootstrap) {
      if (id !== this.id)
        this.book.discovered(id, [`/sim/${id}`], 'bootstrap', toHex(simOverlay(id, this.#networkId)));
    }
    this.#scheduleMaintain();
  }

  /** Takes the node off the bus (like kill -9: peers notice through missed pongs). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#net.clock.clearTimeout(this.#timer);
    this.#net.removeNode(this.id);
    await this.book.stop();
  }

  /** Starts a dial (hello) unless connected, in flight, or refused. */
  dial(peerId: string): void {
    if (!this.#running || this.#pending.has(peerId) || this.kad.isConnected(peerId)) return;
    if (!this.book.dialStarted(peerId, [`/sim/${peerId}`])) return;
    this.#pending.add(peerId);
    this.#net.send(this.id, peerId, SIM_PROTOCOLS.hello, this.overlay);
  }

  /** One round of the dial loop: fill the shallowest unsaturated bins, then the neighbourhood. */
  maintain(): void {
    if (this.#depthChanged) {
      // depth changed since the last round: tell the neighbourhood what is useful to it (once per round)
      this.#depthChanged = false;
      for (const p of this.kad.neighbourhood()) this.#sendHive(p.peerId, this.kad.peersToGossip(p.overlay));
    }
    for (const [to, peers] of this.#announce) {
      if (this.kad.isConnected(to)) this.#sendHive(to, peers);
    }
    this.#announce.clear();
    const room = this.#concurrency - this.#pending.size;
    if (room <= 0) return;
    const suggestions = this.kad.suggestDial({
      limit: room,
      pending: this.#pending,
      exclude: (id) => {
        const s = this.book.stateOf(id);
        return s === 'lifesupport' || s === 'purgatory';
      },
    });
    for (const p of suggestions) this.dial(p.peerId);
  }

  #scheduleMaintain(): void {
    if (!this.#running) return;
    this.#timer = this.#net.clock.setTimeout(() => {
      this.maintain();
      this.#scheduleMaintain();
    }, this.#maintainMs);
  }

  #onHello(from: string, payload: Uint8Array): void {
    if (payload.length !== 32 || this.book.isRefused(from)) {
      this.#net.send(this.id, from, SIM_PROTOCOLS.refuse, EMPTY);
      return;
    }
    this.#net.send(this.id, from, SIM_PROTOCOLS.welcome, this.overlay);
    this.#connected(from, payload);
  }

  #onWelcome(from: string, payload: Uint8Array): void {
    if (!this.#pending.delete(from) || payload.length !== 32) return;
    this.#connected(from, payload);
  }

  #connected(from: string, overlay: Uint8Array): void {
    this.#pending.delete(from);
    if (!this.book.handshakeDone(from, toHex(overlay), [`/sim/${from}`])) return;
    const peer: OverlayPeer = { peerId: from, overlay, addresses: [`/sim/${from}`] };
    const wasConnected = this.kad.isConnected(from);
    this.kad.connected(peer);
    if (wasConnected) return;
    this.#sendHive(from, this.kad.peersToGossip(overlay));
    for (const q of this.kad.announceTargets(peer)) {
      const list = this.#announce.get(q.peerId);
      if (list === undefined) this.#announce.set(q.peerId, [peer]);
      else if (list.length < MAX_HIVE_PEERS) list.push(peer);
    }
  }

  #onHive(from: string, payload: Uint8Array, value?: unknown): void {
    this.book.activity(from);
    let peers: OverlayPeer[];
    try {
      peers = Array.isArray(value) ? (value as OverlayPeer[]) : decodeHive(payload);
    } catch (err) {
      const kind = strikeKindOf(err); // by the error table, as the node's hive
      if (kind !== undefined) this.book.misbehaved(from, kind);
      return;
    }
    for (const p of peers) {
      if (p.peerId === this.id) continue;
      if (this.book.stateOf(p.peerId) === 'purgatory') continue;
      // a peer the table does not keep (its bin holds maxKnownPerBin) is not recorded in the book either
      if (!this.kad.addKnown(p)) continue;
      this.book.discovered(p.peerId, p.addresses, 'hive', toHex(p.overlay));
    }
  }

  #sendHive(to: string, peers: OverlayPeer[]): void {
    if (peers.length === 0) return;
    if (this.#hiveWire) {
      this.#net.send(this.id, to, SIM_PROTOCOLS.hive, encodeHive(peers));
      return;
    }
    const list = peers.slice(0, MAX_HIVE_PEERS);
    let size = 0;
    for (const p of list) {
      size += 4 + p.overlay.length + p.peerId.length;
      for (const a of p.addresses) size += 2 + a.length;
    }
    this.#net.send(this.id, to, SIM_PROTOCOLS.hive, EMPTY, list, size);
  }
}
