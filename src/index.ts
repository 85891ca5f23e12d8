/** murmur's public library entry. */
export { ERROR_CODES, type ErrorCode, isMurmurError, MurmurError } from './errors/index.ts';
export type { Logger } from './log/index.ts';
export { createNode } from './node/index.ts';
export type { MurmurNode, NodeEvents, NodeOptions, NodeStatus, PeerInfo, PeerState } from './node/types.ts';
