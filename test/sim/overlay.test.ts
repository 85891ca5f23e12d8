import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proximity } from '../../src/overlay/index.ts';
import {
  createOverlaySim,
  overlayHealth,
  runUntilHealthy,
  SIM_PROTOCOLS,
  simulateOverlay,
} from '../../src/sim/index.ts';

describe('overlay simulation', () => {
  it('200 nodes bootstrapped from 1–2 random nodes all reach a healthy overlay', async () => {
    const result = await simulateOverlay({ nodes: 200, seed: 2024, maxVirtualMs: 10 * 60_000 });
    assert.equal(result.healthy, true, JSON.stringify(result.report.unhealthy.slice(0, 3)));
    // independent ground truth, from global knowledge, for every node
    const nodes = result.nodes;
    for (const n of nodes) {
      const depth = n.kad.depth;
      const perBin = new Array<number>(32).fill(0);
      for (const x of nodes) {
        if (x === n) continue;
        const po = proximity(n.overlay, x.overlay);
        perBin[po]!++;
        if (po >= depth) assert.ok(n.kad.isConnected(x.id), `${n.id} misses neighbour ${x.id}`);
      }
      const bins = n.kad.bins();
      for (let b = 0; b < 32; b++) {
        assert.ok(bins[b]! >= Math.min(8, perBin[b]!), `${n.id} bin ${b}`);
        if (b < depth) assert.ok(bins[b]! >= 8, `${n.id}: bin ${b} below depth ${depth} saturated`);
      }
    }
    // 200 nodes: about 100, 50, 25, 12, 6 … peers in bins 0, 1, 2, 3, 4: depth around 3–5
    assert.ok(result.report.avgDepth >= 3 && result.report.avgDepth <= 5, String(result.report.avgDepth));
    assert.ok(result.report.avgConnections < 100, 'far from a full mesh');
    console.log(
      `200 nodes healthy after ${result.virtualMs} virtual ms, ${result.messages} messages, ` +
        `avg depth ${result.report.avgDepth}, avg connections ${result.report.avgConnections}`,
    );
  });

  it('is deterministic for a seed', async () => {
    const a = await simulateOverlay({ nodes: 30, seed: 5 });
    const b = await simulateOverlay({ nodes: 30, seed: 5 });
    assert.equal(a.healthy, true);
    assert.equal(a.virtualMs, b.virtualMs);
    assert.equal(a.messages, b.messages);
    assert.equal(a.bytes, b.bytes);
  });

  it('the health check flags a missing neighbour and a one-sided connection', async () => {
    const { network, nodes } = await createOverlaySim({ nodes: 20, seed: 3 });
    assert.equal(runUntilHealthy(network, nodes).healthy, true);
    const n = nodes[0]!;
    const neighbour = n.kad.neighbourhood()[0]!;
    n.kad.disconnected(neighbour.peerId);
    const report = overlayHealth(nodes);
    assert.equal(report.healthy, false);
    const problems = report.unhealthy.flatMap((u) => u.problems).join('\n');
    assert.match(problems, /neighbourhood peer/);
    assert.match(problems, /one-sided/);
    for (const node of nodes) await node.stop();
  });

  it('a killed node goes to lifesupport everywhere, the rest stays healthy, and it is reconnected when back', async () => {
    const { network, nodes } = await createOverlaySim({ nodes: 40, seed: 11 });
    assert.equal(runUntilHealthy(network, nodes).healthy, true);
    const victim = nodes[7]!;
    const peers = victim.kad.connectedPeers().map((p) => p.peerId);
    await victim.stop(); // like kill -9: no goodbye
    network.clock.advance(30_000 + 5_000 + 10_000 + 1); // idle, heartbeat check, pong timeout
    for (const id of peers) {
      const node = nodes.find((x) => x.id === id)!;
      assert.equal(node.book.get(victim.id)?.state, 'lifesupport', `${id} sees ${victim.id} in lifesupport`);
      assert.equal(node.kad.isConnected(victim.id), false);
    }
    const after = runUntilHealthy(network, nodes);
    assert.equal(after.healthy, true);
    await victim.start([]); // comes back with no bootstrap: the others redial it (backoff)
    network.clock.advance(120_000);
    const reconnected = peers.filter(
      (id) => nodes.find((x) => x.id === id)!.book.get(victim.id)?.state === 'active',
    );
    assert.ok(reconnected.length > 0, 'peers reconnected through their backoff schedule');
    assert.equal(runUntilHealthy(network, nodes).healthy, true);
  });

  it('garbage hive messages send the sender to purgatory, and its handshakes are refused', async () => {
    const { network, nodes } = await createOverlaySim({ nodes: 10, seed: 4, book: { strikeThreshold: 3 } });
    runUntilHealthy(network, nodes);
    const [a, b] = [nodes[0]!, nodes[1]!];
    for (let i = 0; i < 3; i++)
      network.send(b.id, a.id, SIM_PROTOCOLS.hive, new Uint8Array([0xff, 0xff, 0xff]));
    network.clock.advance(100);
    assert.equal(a.book.get(b.id)?.state, 'purgatory');
    assert.equal(a.kad.isConnected(b.id), false);
    b.dial(a.id);
    network.clock.advance(100);
    assert.equal(a.kad.isConnected(b.id), false);
    assert.equal(a.book.isRefused(b.id), true);
  });
});
