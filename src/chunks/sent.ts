import type { FrameChannel } from '../streamer/channel.ts';
import { decode } from './pullsync/messages.ts';

/** Wraps an upstream pull-sync channel to count the chunk deliveries (and their bytes) it sends. */
export function countDeliveries(
  channel: FrameChannel,
  sent: { chunks: number; bytes: number },
): FrameChannel {
  return {
    async send(frame, options) {
      await channel.send(frame, options);
      if (frame.length > 64) {
        try {
          if (decode(frame).case === 'delivery') {
            sent.chunks++;
            sent.bytes += frame.length;
          }
        } catch {
          // our own frames always decode
        }
      }
    },
    close: (err) => channel.close(err),
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}
