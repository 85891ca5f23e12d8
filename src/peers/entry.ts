import { RECORD_VERSION } from './constants.ts';
import type { DiscoverySource, KnownPeer, PeerInfo, PeerRecord, PeerState, TimerHandle } from './types.ts';

/** The book's mutable record of one peer. */
export interface Entry {
  peerId: string;
  addresses: string[];
  overlay?: string | undefined;
  lastSeen: number;
  state: PeerState | 'known';
  source: DiscoverySource;
  /** Failed attempts since the peer was last active (index into the backoff schedule). */
  attempts: number;
  strikes: number;
  reason?: string | undefined;
  /** lifesupport: next reconnect; purgatory: when it is forgotten. */
  nextAttemptAt?: number | undefined;
  lastActivity: number;
  pingDeadline?: number | undefined;
  dialDeadline?: number | undefined;
  dialDue?: boolean;
  timer?: TimerHandle;
}

export function toInfo(entry: Entry, proximity?: (overlayHex: string) => number): PeerInfo {
  const info: PeerInfo = {
    peerId: entry.peerId,
    state: entry.state === 'known' ? 'lifesupport' : entry.state,
    addresses: [...entry.addresses],
    lastSeen: entry.lastSeen,
    strikes: entry.strikes,
  };
  if (entry.overlay !== undefined) {
    info.overlay = entry.overlay;
    if (proximity !== undefined) info.po = proximity(entry.overlay);
  }
  if ((entry.state === 'lifesupport' || entry.state === 'purgatory') && entry.reason !== undefined) {
    info.reason = entry.reason;
  }
  if ((entry.state === 'lifesupport' || entry.state === 'purgatory') && entry.nextAttemptAt !== undefined) {
    info.nextAttemptAt = entry.nextAttemptAt;
  }
  return info;
}

export function toKnown(entry: Entry): KnownPeer {
  const known: KnownPeer = {
    peerId: entry.peerId,
    addresses: [...entry.addresses],
    lastSeen: entry.lastSeen,
    source: entry.source,
  };
  if (entry.overlay !== undefined) known.overlay = entry.overlay;
  return known;
}

export function toRecord(entry: Entry): PeerRecord {
  const record: PeerRecord = {
    v: RECORD_VERSION,
    peerId: entry.peerId,
    addresses: [...entry.addresses],
    lastSeen: entry.lastSeen,
    state: entry.state,
    source: entry.source,
    attempts: entry.attempts,
    strikes: entry.strikes,
  };
  if (entry.overlay !== undefined) record.overlay = entry.overlay;
  if (entry.reason !== undefined) record.reason = entry.reason.slice(0, 256);
  if (entry.nextAttemptAt !== undefined) record.nextAttemptAt = entry.nextAttemptAt;
  return record;
}

export function fromRecord(record: PeerRecord): Entry {
  const entry: Entry = {
    peerId: record.peerId,
    addresses: [...record.addresses],
    lastSeen: record.lastSeen,
    state: record.state,
    source: record.source,
    attempts: record.attempts,
    strikes: record.strikes,
    lastActivity: 0,
  };
  if (record.overlay !== undefined) entry.overlay = record.overlay;
  if (record.reason !== undefined) entry.reason = record.reason;
  if (record.nextAttemptAt !== undefined) entry.nextAttemptAt = record.nextAttemptAt;
  return entry;
}
