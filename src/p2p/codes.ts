import { defineCodes } from '../errors/index.ts';

/**
 * Stable error codes raised by src/p2p (the length-prefixed framing every murmur protocol uses):
 * message, local API status, strike kind (see src/errors/registry.ts). Append-only.
 */
export const P2P_CODES = defineCodes({
  MURMUR_FRAME_TOO_LARGE: {
    message: 'A peer sent a length-prefixed message over the size cap of its protocol.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_FRAME_MALFORMED: {
    message: 'A peer sent bytes that are not a valid length-prefixed frame or message.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_STREAM_CLOSED: { message: 'The stream ended before a complete message arrived.', http: 400 },
  MURMUR_FRAME_BUDGET: {
    message:
      'A peer announced more bytes of unfinished messages, across its streams, than its share; the stream was reset.',
    http: 400,
    strike: 'flood',
  },
  MURMUR_FRAME_STALLED: {
    message:
      'A peer stopped sending in the middle of a message for longer than the body deadline; the stream was reset.',
    http: 400,
    strike: 'protocol',
  },
  MURMUR_FRAME_NODE_BUSY: {
    message:
      'The node holds its cap of bytes of unfinished messages from all peers; the stream was reset (never a strike).',
    http: 503,
  },
});

type P2pCodes = typeof P2P_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends P2pCodes {}
}
