import { proximity } from '../overlay/address.ts';
import { BIN_COUNT } from '../overlay/constants.ts';
import type { Kademlia } from '../overlay/kademlia.ts';

/** What the health check needs of a node. */
export interface HealthNode {
  id: string;
  overlay: Uint8Array;
  kad: Kademlia;
}

export interface NodeHealth {
  id: string;
  depth: number;
  connections: number;
  problems: string[];
}

export interface HealthReport {
  healthy: boolean;
  nodes: number;
  unhealthy: NodeHealth[];
  avgDepth: number;
  avgConnections: number;
  maxConnections: number;
}

/**
 * Checks every node's overlay against ground truth computed from global knowledge of all live nodes:
 * 1. saturation: in every bin b, connected(b) >= min(saturation, total(b)), total(b) = live nodes at
 *    proximity b from it (a bin is saturated where enough peers exist, and otherwise holds them all);
 * 2. neighbourhood: it is connected to every live node at proximity >= its depth;
 * 3. consistency: each of its connections is known as connected by the other side too.
 */
export function overlayHealth(nodes: readonly HealthNode[]): HealthReport {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const unhealthy: NodeHealth[] = [];
  let depthSum = 0;
  let connSum = 0;
  let maxConnections = 0;
  for (const n of nodes) {
    const problems: string[] = [];
    const total = new Array<number>(BIN_COUNT).fill(0);
    const depth = n.kad.depth;
    let missing = 0;
    for (const x of nodes) {
      if (x === n) continue;
      const po = proximity(n.overlay, x.overlay);
      total[po]!++;
      if (po >= depth && !n.kad.isConnected(x.id)) missing++;
    }
    if (missing > 0) problems.push(`${missing} neighbourhood peer(s) at po >= ${depth} not connected`);
    const bins = n.kad.bins();
    for (let b = 0; b < BIN_COUNT; b++) {
      const want = Math.min(n.kad.saturation, total[b]!);
      if (bins[b]! < want)
        problems.push(`bin ${b}: ${bins[b]} connected, ${want} needed (${total[b]} exist)`);
    }
    let connections = 0;
    for (const p of n.kad.connectedPeers()) {
      connections++;
      const other = byId.get(p.peerId);
      if (other === undefined) problems.push(`connected to ${p.peerId}, which is down`);
      else if (!other.kad.isConnected(n.id)) problems.push(`connection to ${p.peerId} is one-sided`);
    }
    depthSum += depth;
    connSum += connections;
    maxConnections = Math.max(maxConnections, connections);
    if (problems.length > 0) unhealthy.push({ id: n.id, depth, connections, problems });
  }
  return {
    healthy: unhealthy.length === 0,
    nodes: nodes.length,
    unhealthy,
    avgDepth: nodes.length === 0 ? 0 : depthSum / nodes.length,
    avgConnections: nodes.length === 0 ? 0 : connSum / nodes.length,
    maxConnections,
  };
}
