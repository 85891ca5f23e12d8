/** Stable error codes raised by src/streamer (aggregated in src/errors/codes.ts). Append-only. */
export const STREAMER_CODES = {
  MURMUR_STREAMER_BAD_INTERVALS: 'A persisted interval set could not be read back.',
  MURMUR_STREAMER_BAD_MESSAGE: 'A streamer message from a peer is malformed or violates the protocol.',
  MURMUR_STREAMER_MESSAGE_TOO_LARGE: 'A message exceeds its hard size cap; it was not decoded.',
  MURMUR_STREAMER_CLOSED: 'The message channel to the peer closed before the exchange finished.',
  MURMUR_STREAMER_QUEUE_CLOSED: 'The priority queue was closed; nothing more can be sent through it.',
  MURMUR_STREAMER_UNKNOWN_STREAM: 'A peer subscribed to a stream name this node does not serve.',
  MURMUR_STREAMER_CANCELLED: 'The request was cancelled by its ruid.',
} as const satisfies Record<`MURMUR_${string}`, string>;
