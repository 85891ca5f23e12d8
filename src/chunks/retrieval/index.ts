import { type Logger, silentLogger } from '../../log/index.ts';
import { RetrievalClient } from './client.ts';
import {
  RETRIEVAL_MAX_HOPS,
  RETRIEVAL_MAX_MESSAGE,
  RETRIEVAL_PROTOCOLS,
  RETRIEVAL_TIMEOUT_MS,
} from './constants.ts';
import { serveRetrieval } from './server.ts';
import type { FetchOptions, RetrievalOptions, RetrievalStats } from './types.ts';

export { closer, RetrievalClient } from './client.ts';
export * from './constants.ts';
export {
  decodeRetrieval,
  encodeRetrieval,
  type RetrievalMessage,
  type RetrievalRequest,
} from './messages.ts';
export { serveRetrieval } from './server.ts';
export type { FetchOptions, RetrievalOptions, RetrievalStats } from './types.ts';

/**
 * Chunk retrieval: a request for an address goes to the closest active peer (XOR distance), which
 * answers from its store or forwards it (hop limit, skip list of the path, per-attempt timeout),
 * trying the next closest peer when one fails. Deliveries are verified at every hop and cached.
 */
export class Retrieval {
  readonly stats: RetrievalStats = { requests: 0, served: 0, forwarded: 0, notFound: 0, invalid: 0 };
  readonly #o: RetrievalOptions;
  readonly #log: Logger;
  readonly #client: RetrievalClient;

  constructor(options: RetrievalOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#client = new RetrievalClient(options, this.stats);
  }

  async start(): Promise<void> {
    const deps = {
      options: this.#o,
      stats: this.stats,
      log: this.#log,
      fetch: (a: Uint8Array, o: FetchOptions) => this.fetch(a, o),
    };
    await this.#o.ctx.handle(RETRIEVAL_PROTOCOLS, (ch, peer) => serveRetrieval(ch, peer, deps), {
      maxMessageBytes: RETRIEVAL_MAX_MESSAGE,
      idleTimeoutMs: (this.#o.timeoutMs ?? RETRIEVAL_TIMEOUT_MS) * 2,
    });
  }

  /** Local store first, then the network; verified. undefined when nobody had it. */
  async get(address: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
    const local = await this.#o.store.get(address);
    if (local !== undefined) return local;
    return this.fetch(address, { signal: options.signal, hops: this.#o.hops ?? RETRIEVAL_MAX_HOPS });
  }

  /** Asks the network (no local lookup); concurrent asks for one address share the request. */
  fetch(address: Uint8Array, options: FetchOptions): Promise<Uint8Array | undefined> {
    return this.#client.fetch(address, options);
  }
}
