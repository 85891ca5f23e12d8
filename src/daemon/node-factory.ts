import type { MurmurNode, NodeOptions } from '../node/types.ts';

/** Builds a node from options: createNode() of src/node by default; tests pass a fake. */
export type NodeFactory = (options: NodeOptions) => MurmurNode | Promise<MurmurNode>;

/** The real node factory, loaded lazily so that API-only users do not load libp2p. */
export const defaultNodeFactory: NodeFactory = async (options) => {
  // A computed specifier until src/node/index.ts lands (then this becomes a plain import).
  const specifier = '../node/index.ts';
  const mod = (await import(specifier)) as {
    createNode: (o: NodeOptions) => MurmurNode | Promise<MurmurNode>;
  };
  return mod.createNode(options);
};
