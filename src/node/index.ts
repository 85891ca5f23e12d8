import './codes.ts';
import { resolve } from 'node:path';
import { loadOrCreateIdentity, overlayAddressOf } from '../identity/index.ts';
import { DEFAULT_DATA_DIR, DEFAULT_NETWORK_ID } from './constants.ts';
import { Node } from './node.ts';
import type { MurmurNode, NodeOptions, ServiceMap } from './types.ts';

export type {
  NodeService,
  ProtocolOptions,
  ServiceContext,
  ServiceEvents,
  ServicePeer,
} from '../service/context.ts';
export * from './constants.ts';
export type {
  MurmurNode,
  NodeEvents,
  NodeOptions,
  NodeStatus,
  PeerInfo,
  PeerState,
  ServiceMap,
} from './types.ts';

/**
 * Creates a murmur node (not started). The identity key is loaded from (or created in) the data folder
 * first, so `peerId` and `overlay` are known at once; `start()` opens the store and the libp2p host.
 * With a `store` but no `dataDir`, the identity is ephemeral (tests, simulation). With `services` as a
 * record (`{ tree: new TreeService() }`), `node.services.tree` is typed `TreeService`.
 */
export async function createNode<S extends ServiceMap = ServiceMap>(
  options: NodeOptions<S> = {},
): Promise<MurmurNode<S>> {
  const opts: NodeOptions<S> = { ...options };
  if (opts.dataDir === undefined && opts.store === undefined) opts.dataDir = resolve(DEFAULT_DATA_DIR);
  const networkId = opts.networkId ?? DEFAULT_NETWORK_ID;
  const identity = await loadOrCreateIdentity(opts.dataDir);
  const overlay = overlayAddressOf(identity.peerId.toMultihash().bytes, networkId);
  return new Node<S>(opts, identity, overlay, networkId);
}
