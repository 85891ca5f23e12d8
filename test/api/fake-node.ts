import '../../src/peers/codes.ts'; // the real node loads the peer book's error codes (their HTTP statuses)
import { Counter, Registry } from 'prom-client';
import { MurmurError } from '../../src/errors/index.ts';
import type { MurmurNode, NodeEvents, NodeStatus, PeerInfo, PeerState } from '../../src/node/types.ts';

type Listener = (detail: never) => void;

/** An in-memory MurmurNode for API and CLI tests: connect() adds an active peer. */
export class FakeNode implements MurmurNode {
  readonly peerId = '12D3KooWFakeNodeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  readonly overlay = 'ab'.repeat(32);
  readonly networkId = 'murmur';
  readonly metrics = new Registry();
  readonly services = {};
  readonly tree = undefined;
  readonly journals = undefined;
  readonly chunks = undefined;
  readonly #peers = new Map<string, PeerInfo>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #connects: Counter;
  depth = 0;
  started = false;
  /** Makes the next connect() fail with this error. */
  failNext: Error | undefined;

  constructor() {
    this.#connects = new Counter({
      name: 'murmur_fake_connects_total',
      help: 'connects',
      registers: [this.metrics],
    });
  }

  async start(): Promise<void> {
    this.started = true;
    this.#emit('started', undefined);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.#emit('stopped', undefined);
  }

  status(): NodeStatus {
    const peers: Record<PeerState, number> = { connecting: 0, active: 0, lifesupport: 0, purgatory: 0 };
    const bins = new Array<number>(32).fill(0);
    for (const p of this.#peers.values()) {
      peers[p.state]++;
      if (p.state === 'active' && p.po !== undefined) bins[p.po] = (bins[p.po] ?? 0) + 1;
    }
    return {
      peerId: this.peerId,
      overlay: this.overlay,
      networkId: this.networkId,
      addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${this.peerId}`],
      depth: this.depth,
      bins,
      peers,
      uptimeMs: 1234,
      counters: { handshakes: this.#peers.size },
    };
  }

  peers(): PeerInfo[] {
    return [...this.#peers.values()];
  }

  async connect(addr: string, options: { signal?: AbortSignal } = {}): Promise<PeerInfo> {
    if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED');
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const peerId = addr.split('/p2p/')[1] ?? 'unknown';
    const peer: PeerInfo = {
      peerId,
      overlay: 'cd'.repeat(32),
      state: 'active',
      addresses: [addr.replace(/\/p2p\/.*$/, '')],
      lastSeen: Date.now(),
      po: 1,
      strikes: 0,
    };
    this.#peers.set(peerId, peer);
    this.#connects.inc();
    this.#emit('peer:state', peer);
    return peer;
  }

  forgive(peerId: string): PeerInfo {
    const peer = this.#peers.get(peerId);
    if (peer === undefined)
      throw new MurmurError('MURMUR_PEERS_UNKNOWN', `no peer ${peerId} in the peer book`);
    const forgiven: PeerInfo = { ...peer, strikes: 0 };
    if (peer.state === 'purgatory') {
      forgiven.state = 'lifesupport';
      forgiven.reason = 'forgiven';
    }
    this.setPeer(forgiven);
    return forgiven;
  }

  /** Test helper: set a peer's state and emit the event. */
  setPeer(peer: PeerInfo): void {
    this.#peers.set(peer.peerId, peer);
    this.#emit('peer:state', peer);
  }

  setDepth(depth: number): void {
    this.depth = depth;
    this.#emit('depth', { depth });
  }

  listenerCount(event: keyof NodeEvents): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  on<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener);
  }

  off<E extends keyof NodeEvents>(event: E, listener: (detail: NodeEvents[E]) => void): void {
    this.#listeners.get(event)?.delete(listener as Listener);
  }

  #emit<E extends keyof NodeEvents>(event: E, detail: NodeEvents[E]): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (d: NodeEvents[E]) => void)(detail);
  }
}
