import type { MurmurNode, NodeOptions } from '../node/types.ts';

/** Builds a node from options: createNode() of src/node by default; tests pass a fake. */
export type NodeFactory = (options: NodeOptions) => MurmurNode | Promise<MurmurNode>;

/** The real node factory, loaded lazily so that client commands (murmur id, status…) do not load libp2p. */
export const defaultNodeFactory: NodeFactory = async (options) => {
  const { createNode } = await import('../node/index.ts');
  return createNode(options);
};
