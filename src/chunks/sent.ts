import type { FrameChannel } from '../streamer/channel.ts';
import { DELIVERY_TAG } from './pullsync/messages.ts';

type Joined = (head: Uint8Array, body: Uint8Array, options?: { signal?: AbortSignal }) => Promise<void>;

/**
 * Wraps an upstream pull-sync channel to count the chunk deliveries (and their bytes) it sends. Keeps
 * the channel's `sendJoined` (a frame sent as head + payload without joining them) when it has one.
 */
export function countDeliveries(
  channel: FrameChannel,
  sent: { chunks: number; bytes: number },
): FrameChannel {
  const wrapped: FrameChannel & { sendJoined?: Joined } = {
    async send(frame, options) {
      await channel.send(frame, options);
      // our own frames: a delivery is the only kind whose first byte is the delivery tag
      if (frame[0] === DELIVERY_TAG) {
        sent.chunks++;
        sent.bytes += frame.length;
      }
    },
    close: (err) => channel.close(err),
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
  const joined = (channel as { sendJoined?: Joined }).sendJoined;
  if (joined !== undefined) {
    wrapped.sendJoined = async (head, body, options) => {
      await joined.call(channel, head, body, options);
      if (head[0] === DELIVERY_TAG) {
        sent.chunks++;
        sent.bytes += head.length + body.length;
      }
    };
  }
  const trySend = channel.trySend?.bind(channel);
  if (trySend !== undefined) {
    wrapped.trySend = (head, body) => {
      if (!trySend(head, body)) return false;
      if (head[0] === DELIVERY_TAG) {
        sent.chunks++;
        sent.bytes += head.length + (body?.length ?? 0);
      }
      return true;
    };
  }
  const take = channel.takeBuffered?.bind(channel);
  if (take !== undefined) wrapped.takeBuffered = take;
  return wrapped;
}
