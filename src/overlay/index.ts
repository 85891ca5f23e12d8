import './codes.ts';

export { fromHex, isAddress, overlayAddress, proximity, toHex } from './address.ts';
export * from './constants.ts';
export { decodeHive, encodeHive } from './hive.ts';
export { computeDepth, Kademlia } from './kademlia.ts';
export type { KademliaEvents, KademliaOptions, KademliaSnapshot, OverlayPeer } from './types.ts';
