import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/overlay: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const OVERLAY_CODES = defineCodes({
  MURMUR_OVERLAY_BAD_ADDRESS: {
    message: 'An overlay address is not 32 bytes (or 64 hex characters).',
    http: 400,
  },
  MURMUR_OVERLAY_HIVE_TOO_LARGE: {
    message: 'A hive (peer exchange) message exceeds its size cap.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_OVERLAY_HIVE_INVALID: {
    message: 'A hive (peer exchange) message could not be decoded or breaks its limits.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_OVERLAY_HIVE_UNEXPECTED: {
    message: 'A hive (peer exchange) message came from a peer that has not completed the handshake.',
    http: 400,
    strike: 'protocol',
  },
});

type OverlayCodes = typeof OVERLAY_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends OverlayCodes {}
}
