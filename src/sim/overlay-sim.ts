import { systemClock } from '../clock/index.ts';
import { type HealthReport, overlayHealth } from './health.ts';
import { SimNetwork, type SimNetworkOptions } from './network.ts';
import { SimOverlayNode, type SimOverlayNodeOptions } from './overlay-node.ts';

export interface OverlaySimOptions extends SimNetworkOptions, SimOverlayNodeOptions {
  /** Number of nodes. */
  nodes: number;
  /** Bootstrap peers per node, drawn at random among the others. Default 2 (1 or 2 when `bootstrapMin` is 1). */
  bootstrapMax?: number;
  bootstrapMin?: number;
  /** Give up after this much virtual time. Default 10 min. */
  maxVirtualMs?: number;
  /** Health is checked every this many virtual ms. Default 1 s. */
  checkEveryMs?: number;
}

export interface OverlaySimResult {
  healthy: boolean;
  /** Virtual ms from start to the first healthy check (or to the limit). */
  virtualMs: number;
  /** Real time the run took (the system clock's monotonic time, not the virtual one). */
  wallMs: number;
  messages: number;
  bytes: number;
  report: HealthReport;
  network: SimNetwork;
  nodes: SimOverlayNode[];
}

/** Builds N nodes on one bus, each bootstrapped from 1–2 random others. Nothing runs until the clock does. */
export async function createOverlaySim(
  options: OverlaySimOptions,
): Promise<{ network: SimNetwork; nodes: SimOverlayNode[] }> {
  const network = new SimNetwork(options);
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${String(i).padStart(4, '0')}`);
  const nodes = ids.map((id) => new SimOverlayNode(network, id, options));
  const min = options.bootstrapMin ?? 1;
  const max = Math.max(min, options.bootstrapMax ?? 2);
  for (const node of nodes) {
    const count = min + network.rng.int(max - min + 1);
    const boot = new Set<string>();
    while (ids.length > 1 && boot.size < Math.min(count, ids.length - 1)) {
      const id = network.rng.pick(ids);
      if (id !== node.id) boot.add(id);
    }
    await node.start([...boot]);
  }
  return { network, nodes };
}

/** Runs virtual time until every node has a healthy overlay (see overlayHealth) or the limit passes. */
export function runUntilHealthy(
  network: SimNetwork,
  nodes: readonly SimOverlayNode[],
  options: { maxVirtualMs?: number; checkEveryMs?: number } = {},
): { healthy: boolean; virtualMs: number; report: HealthReport } {
  const start = network.clock.now();
  const limit = start + (options.maxVirtualMs ?? 600_000);
  const every = options.checkEveryMs ?? 1_000;
  const live = () => nodes.filter((n) => n.running);
  let report = overlayHealth(live());
  while (!report.healthy && network.clock.now() < limit) {
    network.clock.advance(every);
    report = overlayHealth(live());
  }
  return { healthy: report.healthy, virtualMs: network.clock.now() - start, report };
}

/** createOverlaySim + runUntilHealthy, with message and time figures. */
export async function simulateOverlay(options: OverlaySimOptions): Promise<OverlaySimResult> {
  const t0 = systemClock.monotonic();
  const { network, nodes } = await createOverlaySim(options);
  const run = runUntilHealthy(network, nodes, options);
  const totals = network.totals();
  return {
    ...run,
    wallMs: systemClock.monotonic() - t0,
    messages: totals.sent,
    bytes: totals.bytes,
    network,
    nodes,
  };
}
