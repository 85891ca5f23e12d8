import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/peers: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const PEERS_CODES = defineCodes({
  MURMUR_PEERS_RECORD_INVALID: {
    message: 'A persisted peer record is corrupt, too large or of an unknown format version.',
    http: 400,
  },
  MURMUR_PEERS_UNKNOWN: {
    message: 'The peer book holds no peer with this id.',
    http: 404,
  },
});

type PeersCodes = typeof PEERS_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends PeersCodes {}
}
