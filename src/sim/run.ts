import { MurmurError } from '../errors/index.ts';
import { createOverlaySim, runUntilHealthy } from './overlay-sim.ts';

/** Data kinds `runSim` can drive. */
export const SIM_KINDS = ['overlay'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

export interface RunSimOptions {
  nodes: number;
  seed: number;
  kinds?: readonly string[];
  /** Message loss probability 0..1. */
  loss?: number;
  /** Give up after this much virtual time. Default 30 min. */
  maxVirtualMs?: number;
}

/** What a run gives; the same options give the same object (no wall-clock figures in it). */
export interface SimRunResult {
  nodes: number;
  seed: number;
  kinds: SimKind[];
  loss: number;
  healthy: boolean;
  /** Virtual seconds to the first healthy check (or to the limit). */
  virtualS: number;
  msgsPerNode: number;
  kiBPerNode: number;
  overlay: { avgDepth: number; avgConnections: number; maxConnections: number; unhealthy: number };
}

/**
 * One simulated network: N overlay nodes on the SimNetwork bus, every timer on its VirtualClock, run
 * until the overlay is healthy (src/sim/health.ts). Deterministic by seed.
 */
export async function runSim(options: RunSimOptions): Promise<SimRunResult> {
  const kinds = (options.kinds ?? ['overlay']).map((k) => {
    if (!(SIM_KINDS as readonly string[]).includes(k)) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', `kind ${k} is not simulated yet`, {
        details: { kind: k, supported: [...SIM_KINDS] },
      });
    }
    return k as SimKind;
  });
  const loss = options.loss ?? 0;
  const { network, nodes } = await createOverlaySim({ nodes: options.nodes, seed: options.seed, loss });
  const run = runUntilHealthy(network, nodes, { maxVirtualMs: options.maxVirtualMs ?? 30 * 60_000 });
  const totals = network.totals();
  const round = (x: number, d = 2): number => Number(x.toFixed(d));
  const result: SimRunResult = {
    nodes: options.nodes,
    seed: options.seed,
    kinds,
    loss,
    healthy: run.healthy,
    virtualS: run.virtualMs / 1000,
    msgsPerNode: round(totals.sent / options.nodes, 1),
    kiBPerNode: round(totals.bytes / options.nodes / 1024, 1),
    overlay: {
      avgDepth: round(run.report.avgDepth),
      avgConnections: round(run.report.avgConnections),
      maxConnections: run.report.maxConnections,
      unhealthy: run.report.unhealthy.length,
    },
  };
  for (const n of nodes) await n.stop();
  return result;
}
