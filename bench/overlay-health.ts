/**
 * Time from start to a healthy overlay (every bin saturated where peers exist, every node connected
 * to its whole neighbourhood; see src/sim/health.ts) for 50 / 200 / 1000 simulated nodes, each
 * bootstrapped from 1–2 random nodes, 20–30 ms links. Virtual time is what a network would take
 * (with the default 500 ms dial loop and 4 dials in flight per node); wall time is what this machine
 * needs to simulate it. Sizes can be overridden: `OVERLAY_BENCH_SIZES=50,200 npx node bench/overlay-health.ts`.
 */
import { fileURLToPath } from 'node:url';
import { simulateOverlay } from '../src/sim/index.ts';

export async function run(): Promise<Record<string, unknown>> {
  const sizes = (process.env.OVERLAY_BENCH_SIZES ?? '50,200,1000').split(',').map(Number);
  const rows: Record<string, unknown>[] = [];
  for (const nodes of sizes) {
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await simulateOverlay({ nodes, seed: 1, maxVirtualMs: 30 * 60_000 });
    rows.push({
      nodes,
      healthy: r.healthy,
      virtualSeconds: r.virtualMs / 1000,
      wallSeconds: Number((r.wallMs / 1000).toFixed(2)),
      messages: r.messages,
      messagesPerNode: Math.round(r.messages / nodes),
      kiBPerNode: Math.round(r.bytes / nodes / 1024),
      avgDepth: Number(r.report.avgDepth.toFixed(2)),
      avgConnections: Number(r.report.avgConnections.toFixed(1)),
      maxConnections: r.report.maxConnections,
      heapMiB: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
    });
    for (const n of r.nodes) await n.stop();
  }
  return { sizes: rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run();
  console.table(result.sizes);
}
