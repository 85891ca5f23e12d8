import type { AbstractLevel } from 'abstract-level';
import type { Clock } from '../clock/index.ts';
import type { Logger } from '../log/index.ts';
/** Peer states of the peer book (see src/peers). */
export type PeerState = 'connecting' | 'active' | 'lifesupport' | 'purgatory';

/** Every peer state, in lifecycle order. */
export const PEER_STATES: readonly PeerState[] = ['connecting', 'active', 'lifesupport', 'purgatory'];

export type { Clock, TimerHandle } from '../clock/index.ts';

export interface PeerInfo {
  /** libp2p peer id (base58btc string). */
  peerId: string;
  /** 32-byte overlay address, hex; absent until the handshake told it. */
  overlay?: string;
  state: PeerState;
  addresses: string[];
  /** Unix ms; 0 if never seen. */
  lastSeen: number;
  /** Kademlia proximity order to this node, when the overlay address is known. */
  po?: number;
  /** Why the peer is in lifesupport or purgatory, if it is. */
  reason?: string;
  /** Misbehaviour counter; one strike is forgiven every `strikeDecayMs`. */
  strikes: number;
  /** Unix ms when the next strike is forgiven (while strikes > 0). */
  strikesDecayAt?: number;
  /** Unix ms of the next reconnect attempt (lifesupport) or of forgetting (purgatory). */
  nextAttemptAt?: number;
  /** Bytes of service protocols received from / sent to the peer since the node started (node.peers()). */
  bytesIn?: number;
  bytesOut?: number;
}

/** Where a peer was heard of. */
export type DiscoverySource = 'bootstrap' | 'hbbp' | 'hive' | 'inbound' | 'manual' | 'store';

/** Kinds of misbehaviour counted against a peer. */
export type MisbehaviourKind = 'undecodable' | 'oversized' | 'protocol' | 'timeout' | (string & {});

export interface PeerBookConfig {
  /** Reconnect delays after successive failures; past the last one the peer is forgotten. */
  backoffMs: readonly number[];
  /** Idle time after which an active peer is due for a ping. */
  idleMs: number;
  /** Heartbeat check period. */
  heartbeatCheckMs: number;
  /** Ping answer deadline (after `pingSent`); missing it is a missed pong → lifesupport. */
  pongTimeoutMs: number;
  /** Dial deadline (after `dialStarted`); missing it is a failed dial. */
  dialTimeoutMs: number;
  /** Time in purgatory before the peer is forgotten. */
  purgatoryMs: number;
  /** Strikes (misbehaviour count) that send a peer to purgatory. */
  strikeThreshold: number;
  /** One strike is forgiven per this period (0 or Infinity: strikes never decay). */
  strikeDecayMs: number;
  /** Known peers kept at most. */
  maxKnown: number;
  /** Debounce of writes to the store. */
  flushMs: number;
}

/**
 * The store the peer book persists to: an abstract-level database or sublevel with string keys and
 * Uint8Array values (e.g. `db.sublevel('peers', { valueEncoding: 'view' })`, or a memory-level).
 * The book passes explicit encodings on every call, so the defaults of the given level do not matter.
 */
// biome-ignore lint/suspicious/noExplicitAny: any level (root or sublevel) of any storage format is accepted
export type PeerStoreLevel = AbstractLevel<any, string, Uint8Array>;

export interface PeerBookOptions {
  /** This node's own peer id: never recorded, `discovered()` of it is ignored. */
  selfId?: string;
  /** Proximity order of an overlay address (hex) to this node, to fill `PeerInfo.po`. */
  proximity?: (overlayHex: string) => number;
  config?: Partial<PeerBookConfig>;
  /** Time and timers (default: the system clock); tests and the simulator pass a virtual clock. */
  clock?: Clock;
  store?: PeerStoreLevel;
  logger?: Logger;
}

/** A peer the book knows but is not connected to nor trying to reach (a dial candidate). */
export interface KnownPeer {
  peerId: string;
  addresses: string[];
  overlay?: string;
  lastSeen: number;
  source: DiscoverySource;
}

/** Why a peer was forgotten. */
export type ForgetReason = 'backoff-exhausted' | 'purgatory-expired' | 'evicted' | 'removed';

/** Events of the peer book (node:events style: `book.on('state', info => …)`). */
export interface PeerBookEvents {
  /** Every state change of a peer (and strike changes), with its full info. */
  state: [PeerInfo];
  /** A peer left the book for good. */
  forgotten: [{ peerId: string; reason: ForgetReason }];
  /** A lifesupport peer's backoff expired (or a bootstrap/restored peer is waiting): dial it now. */
  dial: [PeerInfo | KnownPeer];
  /** An active peer has been idle for `idleMs`: ping it, then call `pingSent`. */
  ping: [PeerInfo];
}

/** Number of peers per state. */
export type PeerCounts = Record<PeerState, number>;

/** What the book persists per peer (the record format is documented in docs/PEERS.md). */
export interface PeerRecord {
  v: number;
  peerId: string;
  addresses: string[];
  overlay?: string;
  lastSeen: number;
  /** A PeerState, or 'known' for a dial candidate. */
  state: PeerState | 'known';
  /** Where it was first heard of. */
  source: DiscoverySource;
  attempts: number;
  strikes: number;
  /** When the next strike is forgiven (optional; absent in records written before strikes decayed). */
  strikesDecayAt?: number;
  reason?: string;
  nextAttemptAt?: number;
}
