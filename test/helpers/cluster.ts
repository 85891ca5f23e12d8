/**
 * The shared test cluster: n nodes running the given services, over real libp2p nodes on loopback
 * (memory-level stores, short timers) or over the in-process simulator (SimNetwork + SimOverlayNode
 * + simServiceContext, the bus clock pumped in real time), and the one `until()` every test waits with.
 */
import { MemoryLevel } from 'memory-level';
import type { VirtualClock } from '../../src/clock/index.ts';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode, NodeOptions, PeerState } from '../../src/node/types.ts';
import { toHex } from '../../src/overlay/address.ts';
import type { NodeService, ServiceContext } from '../../src/service/context.ts';
import type { ProtocolIdMode } from '../../src/service/protocols.ts';
import { SimNetwork } from '../../src/sim/network.ts';
import { SimOverlayNode, type SimOverlayNodeOptions, simOverlay } from '../../src/sim/overlay-node.ts';
import { simServiceContext } from '../../src/sim/service-context.ts';

export interface UntilOptions {
  /** Fail after this long (default 60 s). */
  timeoutMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
  /** Run before each check (e.g. to refresh state read by `cond`). */
  refresh?: () => Promise<void>;
  /** Pause between checks (default 25 ms). */
  everyMs?: number;
}

/**
 * Waits until `cond()` (sync or async) is true, checking every `everyMs`; on timeout fails with
 * `timed out after N ms waiting for <what>`.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  options: UntilOptions = {},
): Promise<void> {
  const { timeoutMs = 60_000, what = 'condition', refresh, everyMs = 25 } = options;
  const start = Date.now();
  for (;;) {
    await refresh?.();
    if (await cond()) return;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${Date.now() - start} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Short timers for loopback tests. */
export const FAST: Partial<NodeOptions> = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  peerBook: {
    backoffMs: [200, 400, 800, 1600],
    idleMs: 500,
    heartbeatCheckMs: 100,
    pongTimeoutMs: 500,
    purgatoryMs: 60_000,
    strikeThreshold: 3,
  },
  timers: { dialCheckMs: 200, handshakeTimeoutMs: 2000, dialTimeoutMs: 3000, announceMs: 300 },
};

/** A started node on 127.0.0.1 with a memory-level store. */
export async function startNode(options: Partial<NodeOptions> = {}): Promise<MurmurNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    ...options,
  });
  await node.start();
  return node;
}

export function stateOf(node: MurmurNode, peerId: string): PeerState | undefined {
  return node.peers().find((p) => p.peerId === peerId)?.state;
}

export function activeCount(node: MurmurNode): number {
  return node.peers().filter((p) => p.state === 'active').length;
}

export function addrOf(node: MurmurNode): string {
  const a = node.status().addresses.find((x) => x.includes('/ip4/127.0.0.1/'));
  if (a === undefined) throw new Error('node has no loopback address');
  return a;
}

/** Short peer book timers for the simulator, in virtual ms. */
export const SIM_FAST: SimOverlayNodeOptions = {
  maintainMs: 200,
  book: { backoffMs: [200, 400, 800], idleMs: 500, heartbeatCheckMs: 100, pongTimeoutMs: 500 },
};

export interface ClusterOptions {
  transport: 'libp2p' | 'sim';
  /**
   * A virtual clock the cluster runs on, driven by the test: libp2p, every node's NodeOptions.clock;
   * sim, the bus clock, then not pumped (connect() only completes while the test advances it).
   */
  clock?: VirtualClock;
  /** The services of node i (fresh instances per node). */
  services?: (i: number) => NodeService[];
  /** libp2p: extra options of node i. */
  node?: (i: number) => Partial<NodeOptions>;
  /** sim: PRNG seed of the bus (default 1) and options of every overlay node. */
  seed?: number;
  sim?: SimOverlayNodeOptions;
  /** The protocol ids node i speaks (both transports; 'legacy' plays a node of the previous version). */
  protocolIds?: (i: number) => ProtocolIdMode;
}

export interface ClusterMember {
  readonly index: number;
  readonly peerId: string;
  readonly services: NodeService[];
  /** The real node (libp2p transport). */
  readonly node: MurmurNode | undefined;
  /** The simulated node and its service contexts by service name (sim transport). */
  readonly sim: { node: SimOverlayNode; contexts: Map<string, ServiceContext> } | undefined;
  service<T extends NodeService>(name: string): T;
  /** The peer book's view of a peer. */
  stateOf(peerId: string): PeerState | 'known' | undefined;
  /** Strikes the peer book counted against a peer. */
  strikes(peerId: string): number;
  running: boolean;
  /** Stops the services (in reverse) and takes the node off the network. */
  stop(): Promise<void>;
}

export interface ServiceCluster {
  readonly transport: 'libp2p' | 'sim';
  readonly members: ClusterMember[];
  /** Connects i to j and waits until each sees the other active. */
  connect(i: number, j: number): Promise<void>;
  /** Every node after the first connects to the first (a star). */
  connectAll(): Promise<void>;
  /** Node i connects to node i+1. */
  connectChain(): Promise<void>;
  stop(): Promise<void>;
}

function byName<T extends NodeService>(services: NodeService[], name: string): T {
  const s = services.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no service '${name}'`);
  return s as T;
}

async function libp2pMember(index: number, options: ClusterOptions): Promise<ClusterMember> {
  const services = options.services?.(index) ?? [];
  const protocolIds = options.protocolIds?.(index);
  const node = await startNode({
    ...options.node?.(index),
    ...(protocolIds === undefined ? {} : { protocolIds }),
    services,
  });
  const m: ClusterMember = {
    index,
    peerId: node.peerId,
    services,
    node,
    sim: undefined,
    service: (name) => byName(services, name),
    stateOf: (peerId) => stateOf(node, peerId),
    strikes: (peerId) => node.peers().find((p) => p.peerId === peerId)?.strikes ?? 0,
    running: true,
    stop: async () => {
      if (!m.running) return;
      m.running = false;
      await node.stop();
    },
  };
  return m;
}

async function simMember(
  network: SimNetwork,
  index: number,
  options: ClusterOptions,
): Promise<ClusterMember> {
  const node = new SimOverlayNode(network, `n${String(index).padStart(4, '0')}`, options.sim ?? SIM_FAST);
  await node.start();
  const services = options.services?.(index) ?? [];
  const contexts = new Map<string, ServiceContext>();
  const started: NodeService[] = [];
  for (const s of services) {
    const ctx = simServiceContext({
      network,
      node,
      name: s.name,
      store: new MemoryLevel({ valueEncoding: 'view' }) as never,
      ...(options.protocolIds === undefined ? {} : { protocolIds: options.protocolIds(index) }),
    });
    contexts.set(s.name, ctx);
    await s.start(ctx);
    started.push(s);
  }
  const m: ClusterMember = {
    index,
    peerId: node.id,
    services,
    node: undefined,
    sim: { node, contexts },
    service: (name) => byName(services, name),
    stateOf: (peerId) => node.book.stateOf(peerId),
    strikes: (peerId) => node.book.get(peerId)?.strikes ?? 0,
    running: true,
    stop: async () => {
      if (!m.running) return;
      m.running = false;
      for (const s of started.reverse()) await s.stop();
      await node.stop();
    },
  };
  return m;
}

/** n nodes with their services, not yet connected to each other. */
export async function serviceCluster(n: number, options: ClusterOptions): Promise<ServiceCluster> {
  const members: ClusterMember[] = [];
  let network: SimNetwork | undefined;
  let pump: NodeJS.Timeout | undefined;
  const { clock } = options;
  if (options.transport === 'sim') {
    network = new SimNetwork({
      seed: options.seed ?? 1,
      latencyMs: 1,
      jitterMs: 0,
      loss: 0,
      ...(clock === undefined ? {} : { clock }),
    });
    const net = network;
    // the bus runs on the virtual clock: pump it while the (real-time) services work, unless the
    // test drives a clock of its own
    if (clock === undefined) pump = setInterval(() => net.clock.advance(5), 1);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.stop()));
    clearInterval(pump);
  };
  const real: ClusterOptions =
    clock === undefined ? options : { ...options, node: (i) => ({ clock, ...options.node?.(i) }) };
  try {
    for (let i = 0; i < n; i++) {
      members.push(
        network === undefined ? await libp2pMember(i, real) : await simMember(network, i, options),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const connect = async (i: number, j: number): Promise<void> => {
    const a = members[i]!;
    const b = members[j]!;
    if (a.node !== undefined && b.node !== undefined) await a.node.connect(addrOf(b.node));
    else if (a.sim !== undefined) {
      a.sim.node.book.discovered(b.peerId, [`/sim/${b.peerId}`], 'bootstrap', toHex(simOverlay(b.peerId)));
      a.sim.node.dial(b.peerId);
    }
    await until(() => a.stateOf(b.peerId) === 'active' && b.stateOf(a.peerId) === 'active', {
      what: `nodes ${i} and ${j} active to each other`,
    });
  };
  return {
    transport: options.transport,
    members,
    connect,
    connectAll: async () => {
      for (let i = 1; i < members.length; i++) await connect(i, 0);
    },
    connectChain: async () => {
      for (let i = 0; i + 1 < members.length; i++) await connect(i, i + 1);
    },
    stop,
  };
}
