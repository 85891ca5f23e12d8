import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/node: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const NODE_CODES = defineCodes({
  MURMUR_IDENTITY_INVALID: {
    message: 'The identity key file in the data folder is unreadable or not an Ed25519 key.',
    http: 400,
  },
  MURMUR_BAD_ADDRESS: {
    message: 'A multiaddr is malformed or lacks the /p2p/<peer id> part it needs.',
    http: 400,
  },
  MURMUR_NODE_NOT_STARTED: {
    message: 'The node is not started (or is stopping), so the operation cannot run.',
    http: 503,
  },
  MURMUR_HANDSHAKE_REFUSED: {
    message: 'The murmur handshake was refused (self, duplicate, wrong network, bad overlay, version).',
    http: 400,
  },
  MURMUR_DIAL_FAILED: { message: 'The peer could not be dialled.', http: 400 },
  MURMUR_PROTOCOL_UNSUPPORTED: {
    message: 'The peer does not serve this protocol (it runs without the service); never a strike.',
    http: 502,
  },
  MURMUR_PEER_NOT_ACTIVE: {
    message: 'A service addressed a peer that is not connected and handshaken (active).',
    http: 400,
  },
});

type NodeCodes = typeof NODE_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends NodeCodes {}
}
