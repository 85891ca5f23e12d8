/** Stable error codes raised by src/node (aggregated in src/errors/codes.ts). Append-only. */
export const NODE_CODES = {
  MURMUR_IDENTITY_INVALID: 'The identity key file in the data folder is unreadable or not an Ed25519 key.',
  MURMUR_BAD_ADDRESS: 'A multiaddr is malformed or lacks the /p2p/<peer id> part it needs.',
  MURMUR_NODE_NOT_STARTED: 'The node is not started (or is stopping), so the operation cannot run.',
  MURMUR_FRAME_TOO_LARGE: 'A peer sent a length-prefixed message over the size cap of its protocol.',
  MURMUR_FRAME_MALFORMED: 'A peer sent bytes that are not a valid length-prefixed frame or message.',
  MURMUR_STREAM_CLOSED: 'The stream ended before a complete message arrived.',
  MURMUR_HANDSHAKE_REFUSED:
    'The murmur handshake was refused (self, duplicate, wrong network, bad overlay, version).',
  MURMUR_DIAL_FAILED: 'The peer could not be dialled.',
  MURMUR_PEER_NOT_ACTIVE: 'A service addressed a peer that is not connected and handshaken (active).',
} as const satisfies Record<`MURMUR_${string}`, string>;
