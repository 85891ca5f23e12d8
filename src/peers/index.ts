import './codes.ts';

export { systemClock } from '../clock/index.ts';
export { PeerBook } from './book.ts';
export { peerBookConfig } from './config.ts';
export * from './constants.ts';
export { decodeRecord, encodeRecord } from './record.ts';
export type {
  Clock,
  DiscoverySource,
  ForgetReason,
  KnownPeer,
  MisbehaviourKind,
  PeerBookConfig,
  PeerBookEvents,
  PeerBookOptions,
  PeerCounts,
  PeerInfo,
  PeerRecord,
  PeerState,
  PeerStoreLevel,
  TimerHandle,
} from './types.ts';
