import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proximity } from '../../src/overlay/index.ts';
import { createOverlaySim, type HealthNode, overlayHealth, runSim } from '../../src/sim/index.ts';

/** The O(N²) check the sorted one replaced: problems per node from a full scan. */
function bruteForceProblems(nodes: readonly HealthNode[]): Map<string, number> {
  const out = new Map<string, number>();
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    let problems = 0;
    const total = new Array<number>(32).fill(0);
    let missing = 0;
    for (const x of nodes) {
      if (x === n) continue;
      const po = proximity(n.overlay, x.overlay);
      total[po]!++;
      if (po >= n.kad.depth && !n.kad.isConnected(x.id)) missing++;
    }
    if (missing > 0) problems++;
    const bins = n.kad.bins();
    for (let b = 0; b < 32; b++) if (bins[b]! < Math.min(n.kad.saturation, total[b]!)) problems++;
    for (const p of n.kad.connectedPeers()) if (!ids.has(p.peerId)) problems++;
    if (problems > 0) out.set(n.id, problems);
  }
  return out;
}

describe('npm run sim (runSim)', () => {
  it('the same seed twice gives the same result object; another seed another run', async () => {
    const a = await runSim({ nodes: 60, seed: 7 });
    const b = await runSim({ nodes: 60, seed: 7 });
    assert.deepEqual(a, b);
    assert.equal(a.healthy, true);
    assert.ok(a.virtualS > 0 && a.msgsPerNode > 0);
    const c = await runSim({ nodes: 60, seed: 8 });
    assert.notDeepEqual({ ...c, seed: 7 }, a);
  });

  it('refuses a kind it does not simulate', async () => {
    await assert.rejects(runSim({ nodes: 5, seed: 1, kinds: ['nope'] }), { code: 'MURMUR_INVALID_ARGUMENT' });
  });

  it('the sorted health check agrees with a full scan, while the overlay forms and once healthy', async () => {
    const { network, nodes } = await createOverlaySim({ nodes: 150, seed: 3 });
    let sawUnhealthy = false;
    for (let step = 0; step < 40; step++) {
      const report = overlayHealth(nodes);
      const brute = bruteForceProblems(nodes);
      assert.deepEqual(new Set(report.unhealthy.map((u) => u.id)), new Set(brute.keys()), `step ${step}`);
      if (!report.healthy) sawUnhealthy = true;
      else break;
      network.clock.advance(500);
    }
    assert.ok(sawUnhealthy, 'checked a forming overlay');
    assert.equal(overlayHealth(nodes).healthy, true);
    for (const n of nodes) await n.stop();
  });
});
