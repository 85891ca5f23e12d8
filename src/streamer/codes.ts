import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/streamer: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const STREAMER_CODES = defineCodes({
  MURMUR_STREAMER_BAD_INTERVALS: { message: 'A persisted interval set could not be read back.', http: 400 },
  MURMUR_STREAMER_BAD_MESSAGE: {
    message: 'A streamer message from a peer is malformed or violates the protocol.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_STREAMER_MESSAGE_TOO_LARGE: {
    message: 'A message exceeds its hard size cap; it was not decoded.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_STREAMER_CLOSED: {
    message: 'The message channel to the peer closed before the exchange finished.',
    http: 400,
  },
  MURMUR_STREAMER_QUEUE_CLOSED: {
    message: 'The priority queue was closed; nothing more can be sent through it.',
    http: 400,
  },
  MURMUR_STREAMER_UNKNOWN_STREAM: {
    message: 'A peer subscribed to a stream name this node does not serve.',
    http: 400,
  },
  MURMUR_STREAMER_CANCELLED: { message: 'The request was cancelled by its ruid.', http: 400 },
});

type StreamerCodes = typeof STREAMER_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends StreamerCodes {}
}
