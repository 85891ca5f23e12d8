import type { MurmurNode } from '../../src/node/types.ts';
import type { NodeService, ServiceContext } from '../../src/service/context.ts';
import { toHex } from '../../src/tree/keys.ts';
import { TreeService, type TreeServiceOptions } from '../../src/tree/service.ts';
import { addrOf, serviceCluster, until } from '../helpers/cluster.ts';

/** Short timers for loopback tree tests. */
export const TREE_FAST: TreeServiceOptions = { announceDebounceMs: 50, antiEntropyMs: 1000, pushBatchMs: 2 };

export interface TreeNode {
  node: MurmurNode;
  tree: TreeService;
}

/** Starts n nodes with a tree service each (the shared cluster); every node after the first connects to the first. */
export async function treeCluster(
  n: number,
  opts: (i: number) => TreeServiceOptions = () => ({}),
  extra: (i: number) => NodeService[] = () => [],
): Promise<TreeNode[]> {
  const cluster = await serviceCluster(n, {
    transport: 'libp2p',
    services: (i) => [new TreeService({ ...TREE_FAST, ...opts(i) }), ...extra(i)],
  });
  const out = cluster.members.map((m) => ({ node: m.node!, tree: m.service<TreeService>('tree') }));
  for (const t of out.slice(1)) await t.node.connect(addrOf(out[0]!.node));
  return out;
}

export async function stopAll(nodes: TreeNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.node.stop()));
}

export function hashOf(t: TreeNode, root: string): string {
  return toHex(t.tree.tree(root).rootHash());
}

/** Waits until every node holds the tree with the same root hash. */
export async function converged(nodes: TreeNode[], root: string, timeoutMs = 60_000): Promise<void> {
  await until(() => new Set(nodes.map((n) => hashOf(n, root))).size === 1, {
    timeoutMs,
    what: `equal root hashes of ${root.slice(0, 8)}`,
  });
}

/** A service that only exposes its context: lets a test act as a lying peer on the real protocols. */
export class RawService implements NodeService {
  readonly name: string;
  ctx: ServiceContext | undefined;
  constructor(name = 'raw') {
    this.name = name;
  }
  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
  }
  async stop(): Promise<void> {
    this.ctx = undefined;
  }
}
