export { VirtualClock } from '../clock/index.ts';
export { type HealthNode, type HealthReport, type NodeHealth, overlayHealth } from './health.ts';
export { type ProtocolStats, type SimHandler, SimNetwork, type SimNetworkOptions } from './network.ts';
export { SIM_PROTOCOLS, SimOverlayNode, type SimOverlayNodeOptions, simOverlay } from './overlay-node.ts';
export {
  createOverlaySim,
  type OverlaySimOptions,
  type OverlaySimResult,
  runUntilHealthy,
  simulateOverlay,
} from './overlay-sim.ts';
export { Rng } from './rng.ts';
export { type RunSimOptions, runSim, SIM_KINDS, type SimKind, type SimRunResult } from './run.ts';
