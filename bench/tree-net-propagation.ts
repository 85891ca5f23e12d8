/**
 * Time for one write to reach every node: 50 nodes (TREE_BENCH_NODES) of the simulated overlay
 * (src/sim, virtual clock, 1 ms link latency, pumped 5 virtual ms per real ms), each running the
 * real tree service over the simulator's service context (src/sim/service-context.ts): push
 * gossip with verification at every hop, once with the push fan-out unbounded (every connected
 * peer, as before) and once with the default bound (TREE_BENCH_FANOUTS, default "0,8"). Root-hash
 * announcements are debounced away; anti-entropy runs every 2 s (real), so a node no push reached
 * would show as a round of ~2 s. Reports per round the real wall time until the last node stored
 * the write, and push frames per write.
 *
 *   npx node bench/tree-net-propagation.ts
 */
import { pathToFileURL } from 'node:url';
import { MemoryLevel } from 'memory-level';
import { createOverlaySim, runUntilHealthy } from '../src/sim/index.ts';
import { simServiceContext } from '../src/sim/service-context.ts';
import { generateSigner, toHex } from '../src/tree/keys.ts';
import { TreeService } from '../src/tree/service.ts';

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const fanout of (process.env.TREE_BENCH_FANOUTS ?? '0,8').split(',').map(Number)) {
    const r = await once(fanout);
    for (const [k, v] of Object.entries(r)) out[`fanout ${fanout === 0 ? 'all' : fanout}: ${k}`] = v;
  }
  return out;
}

async function once(fanout: number): Promise<Record<string, unknown>> {
  const n = Number(process.env.TREE_BENCH_NODES ?? 50);
  const { network, nodes } = await createOverlaySim({ nodes: n, seed: 11, latencyMs: 1, jitterMs: 0 });
  const overlay = runUntilHealthy(network, nodes, { maxVirtualMs: 600_000 });
  if (!overlay.healthy) throw new Error('overlay not healthy');
  const pump = setInterval(() => network.clock.advance(5), 1);
  const root = generateSigner();
  const rootHex = toHex(root.publicKey);
  const services: TreeService[] = [];
  const out: Record<string, unknown> = { nodes: n };
  try {
    for (const node of nodes) {
      const svc = new TreeService({
        antiEntropyMs: 2_000,
        announceDebounceMs: 3_600_000,
        pushBatchMs: 0,
        pushFanout: fanout,
      });
      await svc.start(
        simServiceContext({
          network,
          node,
          name: svc.name,
          store: new MemoryLevel({ valueEncoding: 'view' }) as never,
        }),
      );
      await svc.join(rootHex);
      services.push(svc);
    }
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const key = `/bench/${round}`;
      let reached = 0;
      let last = 0;
      const done = new Promise<void>((resolve) => {
        for (const s of services)
          s.store.on('change', (d) => {
            if (d.key !== key) return;
            reached++;
            last = performance.now();
            if (reached === n) resolve();
          });
      });
      const vt0 = network.clock.now();
      const t0 = performance.now();
      const writer = await services[round * 7]!.treeWith(rootHex, root);
      await writer.put(key, new Uint8Array(64));
      writer.close();
      const timeout = new Promise<void>((r) => setTimeout(r, 30_000));
      await Promise.race([done, timeout]);
      if (reached < n) throw new Error(`write reached ${reached} of ${n} nodes`);
      out[`round ${round} wall ms`] = Math.round(last - t0);
      out[`round ${round} virtual ms`] = network.clock.now() - vt0;
    }
    const frames = services.reduce((s, x) => s + (x.status().push as { frames: number }).frames, 0);
    out['push frames per write'] = Math.round(frames / rounds);
    out['syncs (anti-entropy repairs)'] = services.reduce((s, x) => s + x.stats.syncs, 0);
  } finally {
    for (const s of services) await s.stop();
    clearInterval(pump);
    for (const node of nodes) await node.stop();
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await run())) console.log(`${k}\t${v}`);
}
