import '../codes.ts';
import type { Logger } from '../../log/index.ts';
import type { ServicePeer } from '../../service/context.ts';
import { strikeFor } from '../../service/strikes.ts';
import { type FrameChannel, FrameReader } from '../../streamer/channel.ts';
import { RETRIEVAL_TIMEOUT_MS } from './constants.ts';
import { decodeRetrieval, encodeRetrieval } from './messages.ts';
import type { FetchOptions, RetrievalOptions, RetrievalStats } from './types.ts';

export interface ServeDeps {
  options: RetrievalOptions;
  stats: RetrievalStats;
  log: Logger;
  /** Forwards a request the store cannot answer (the client's shared fetch). */
  fetch: (address: Uint8Array, options: FetchOptions) => Promise<Uint8Array | undefined>;
}

/**
 * Answers one inbound retrieval stream: one request, answered from the store or forwarded (one hop
 * fewer, the asking peer added to the skip list and not asked back), then the stream is closed.
 */
export async function serveRetrieval(ch: FrameChannel, peer: ServicePeer, deps: ServeDeps): Promise<void> {
  const { ctx, store } = deps.options;
  try {
    const msg = decodeRetrieval(
      await new FrameReader(ch, { clock: ctx.clock }).next({ timeoutMs: RETRIEVAL_TIMEOUT_MS }),
    );
    if (msg.type !== 'request') {
      strikeFor(ctx, peer.peerId, 'MURMUR_CHUNKS_BAD_MESSAGE'); // out of protocol order
      return;
    }
    deps.stats.requests++;
    let data = await store.get(msg.address);
    if (data === undefined && msg.hops > 0) {
      data = await deps.fetch(msg.address, {
        hops: msg.hops - 1,
        skip: [...msg.skip, peer.overlay],
        exclude: peer.peerId,
      });
    }
    if (data === undefined) {
      deps.stats.notFound++;
      await ch.send(encodeRetrieval({ type: 'not-found' }));
    } else {
      deps.stats.served++;
      await ch.send(encodeRetrieval({ type: 'delivery', data }));
    }
  } catch (err) {
    // undecodable or oversized (the table's kind) strikes; a timeout or a closed stream does not
    strikeFor(ctx, peer.peerId, err);
    deps.log.debug({ peer: peer.peerId, err }, 'retrieval: request failed');
  } finally {
    ch.close();
  }
}
