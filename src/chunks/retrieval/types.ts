import type { Logger } from '../../log/index.ts';
import type { ServiceContext } from '../../service/context.ts';
import type { ChunkStore } from '../store.ts';

export interface RetrievalStats {
  requests: number;
  served: number;
  forwarded: number;
  notFound: number;
  invalid: number;
}

export interface RetrievalOptions {
  ctx: ServiceContext;
  store: ChunkStore;
  logger?: Logger;
  timeoutMs?: number;
  attempts?: number;
  hops?: number;
}

/** What one network ask takes besides the address. */
export interface FetchOptions {
  signal?: AbortSignal | undefined;
  hops: number;
  /** Overlay addresses not to forward to (already on the path); a request with a skip list is never shared. */
  skip?: Uint8Array[];
  /** Peer id not to ask (the one the request came from). */
  exclude?: string;
}
