import './codes.ts';

export { systemClock } from '../clock/index.ts';
export { PeerBook, peerBookConfig } from './book.ts';
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
