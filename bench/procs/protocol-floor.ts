/**
 * The pull-sync protocol with the downstream's storage taken out: a diagnostic for the two-process
 * pull-sync benchmark. A node service runs the real PullSyncClient (offers, want windows, deliveries,
 * SHA-256 verification of every chunk, in-flight claims) against a stand-in store that holds nothing:
 * every offered chunk is wanted and every verified delivery is dropped. The upstream is a normal
 * murmur node reading its segment files. What this moves per second is the most the pull-sync path
 * could reach on this machine if storing chunks cost nothing.
 */
import { BIN_COUNT } from '../../src/chunks/constants.ts';
import { PullSyncClient } from '../../src/chunks/pullsync/client.ts';
import { MAX_MESSAGE_BYTES, PULLSYNC_PROTOCOL } from '../../src/chunks/pullsync/constants.ts';
import type { ChunkStore, PutResult } from '../../src/chunks/store.ts';
import type { NodeService, ServiceContext } from '../../src/service/context.ts';

/** The part of ChunkStore the client touches, storing nothing. */
const nullStore = {
  hasMany: async (addresses: Uint8Array[]): Promise<boolean[]> => addresses.map(() => false),
  has: async (): Promise<boolean> => false,
  putMany: async (chunks: unknown[]): Promise<PutResult[]> =>
    chunks.map(() => ({ stored: true, bin: 0, binId: 0n })),
} as unknown as ChunkStore;

export class ProtocolFloor implements NodeService {
  readonly name = 'benchfloor';
  #ctx: ServiceContext | undefined;
  #client: PullSyncClient | undefined;

  async start(ctx: ServiceContext): Promise<void> {
    this.#ctx = ctx;
    const opts = { maxMessageBytes: MAX_MESSAGE_BYTES + 64, idleTimeoutMs: 60_000 };
    this.#client = new PullSyncClient({
      dial: (peer, o = {}) => ctx.dial(peer, PULLSYNC_PROTOCOL, { ...opts, ...o }),
      store: nullStore,
    });
  }

  async stop(): Promise<void> {}

  /**
   * Pulls the history of every bin of the first active peer, all bins at once as the puller does,
   * page after page; resolves with the chunks delivered.
   */
  async pullAll(options: { signal?: AbortSignal } = {}): Promise<number> {
    const ctx = this.#ctx;
    const client = this.#client;
    if (!ctx || !client) throw new Error('not started');
    while (ctx.peers().length === 0) await new Promise((r) => setTimeout(r, 2));
    const peer = ctx.peers()[0]!.peerId;
    const cursors = await client.getCursors(peer, options);
    await Promise.all(
      cursors.slice(0, BIN_COUNT).map(async (cursor, bin) => {
        // the upstream answers each request with a page of at most its page limit
        for (let from = 1n; from <= cursor; ) {
          const { topmost } = await client.syncInterval(peer, bin, from, cursor, options);
          from = topmost + 1n;
        }
      }),
    );
    return client.stats.delivered;
  }
}
