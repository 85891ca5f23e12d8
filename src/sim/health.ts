import { BIN_COUNT, MAX_PO } from '../overlay/constants.ts';
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

/** The first 32 bits of an overlay: proximity is capped at MAX_PO = 31, so they decide it. */
function key32(overlay: Uint8Array): number {
  return ((overlay[0]! << 24) | (overlay[1]! << 16) | (overlay[2]! << 8) | overlay[3]!) >>> 0;
}

/** First index in sorted `keys` whose value is >= v. */
function lowerBound(keys: Uint32Array, v: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [start, end) of sorted `keys` sharing the first `bits` bits of `k`. */
function prefixRange(keys: Uint32Array, k: number, bits: number): [number, number] {
  if (bits === 0) return [0, keys.length];
  const mask = bits >= 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
  const low = (k & mask) >>> 0;
  const high = (low | ~mask) >>> 0;
  const start = lowerBound(keys, low);
  const end = high === 0xffffffff ? keys.length : lowerBound(keys, high + 1);
  return [start, end];
}

/**
 * Checks every node's overlay against ground truth computed from global knowledge of all live nodes:
 * 1. saturation: in every bin b, connected(b) >= min(saturation, total(b)), total(b) = live nodes at
 *    proximity b from it (a bin is saturated where enough peers exist, and otherwise holds them all);
 * 2. neighbourhood: it is connected to every live node at proximity >= its depth;
 * 3. consistency: each of its connections is known as connected by the other side too.
 * O(N log N): the nodes are sorted by the first 32 bits of their overlay, so the nodes at proximity
 * >= b from a node are one contiguous range found by binary search (per bin), and only its
 * neighbourhood range is walked.
 */
export function overlayHealth(nodes: readonly HealthNode[]): HealthReport {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const sorted = nodes.map((n) => ({ n, k: key32(n.overlay) })).sort((a, b) => a.k - b.k);
  const keys = Uint32Array.from(sorted, (s) => s.k);
  const unhealthy: NodeHealth[] = [];
  let depthSum = 0;
  let connSum = 0;
  let maxConnections = 0;
  const atLeast = new Array<number>(BIN_COUNT + 1).fill(0);
  for (const n of nodes) {
    const problems: string[] = [];
    const k = key32(n.overlay);
    const depth = n.kad.depth;
    // atLeast[b] = other live nodes at proximity >= b (proximity saturates at MAX_PO)
    for (let b = 0; b <= MAX_PO; b++) {
      const [s, e] = prefixRange(keys, k, b);
      atLeast[b] = e - s - 1;
    }
    atLeast[BIN_COUNT] = 0;
    const [s, e] = depth > MAX_PO ? [0, 0] : prefixRange(keys, k, depth);
    let missing = 0;
    for (let i = s; i < e; i++) {
      const x = sorted[i]!.n;
      if (x !== n && !n.kad.isConnected(x.id)) missing++;
    }
    if (missing > 0) problems.push(`${missing} neighbourhood peer(s) at po >= ${depth} not connected`);
    const bins = n.kad.bins();
    for (let b = 0; b < BIN_COUNT; b++) {
      const total = atLeast[b]! - atLeast[b + 1]!;
      const want = Math.min(n.kad.saturation, total);
      if (bins[b]! < want) problems.push(`bin ${b}: ${bins[b]} connected, ${want} needed (${total} exist)`);
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
