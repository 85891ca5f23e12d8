import type { FrameChannel } from '../streamer/channel.ts';
import { DELIVERY_TAG } from './pullsync/messages.ts';

/** Wraps an upstream pull-sync channel to count the chunk deliveries (and their bytes) it sends. */
export function countDeliveries(
  channel: FrameChannel,
  sent: { chunks: number; bytes: number },
): FrameChannel {
  return {
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
}
