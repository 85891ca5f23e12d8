import { MAX_ADDRESS_LENGTH, MAX_ADDRESSES, RECORD_VERSION } from './constants.ts';
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
  /** When the next strike is forgiven (set while strikes > 0 and strikes decay). */
  strikesDecayAt?: number | undefined;
  reason?: string | undefined;
  /** lifesupport: next reconnect; purgatory: when it is forgotten. */
  nextAttemptAt?: number | undefined;
  lastActivity: number;
  pingDeadline?: number | undefined;
  dialDeadline?: number | undefined;
  dialDue?: boolean;
  timer?: TimerHandle;
}

/** A fresh entry: a dial candidate with nothing known yet. */
export function newEntry(peerId: string, source: DiscoverySource): Entry {
  return {
    peerId,
    addresses: [],
    lastSeen: 0,
    state: 'known',
    source,
    attempts: 0,
    strikes: 0,
    lastActivity: 0,
  };
}

/** Adds new addresses in front (most recent first), skipping bad and known ones; keeps MAX_ADDRESSES. */
export function mergeAddresses(entry: Entry, addresses: readonly string[]): void {
  for (const a of addresses) {
    if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ADDRESS_LENGTH) continue;
    if (entry.addresses.includes(a)) continue;
    entry.addresses.unshift(a);
  }
  if (entry.addresses.length > MAX_ADDRESSES) entry.addresses.length = MAX_ADDRESSES;
}

/** When the entry's one timer must fire next, if ever. */
export function deadlineOf(entry: Entry): number | undefined {
  switch (entry.state) {
    case 'lifesupport':
      return entry.dialDeadline ?? entry.nextAttemptAt;
    case 'connecting':
      return entry.dialDeadline;
    case 'active':
      return entry.pingDeadline;
    case 'purgatory':
      return entry.nextAttemptAt;
    default:
      return undefined;
  }
}

export function toInfo(entry: Entry, proximity?: (overlayHex: string) => number): PeerInfo {
  const info: PeerInfo = {
    peerId: entry.peerId,
    state: entry.state === 'known' ? 'lifesupport' : entry.state,
    addresses: [...entry.addresses],
    lastSeen: entry.lastSeen,
    strikes: entry.strikes,
  };
  if (entry.strikes > 0 && entry.strikesDecayAt !== undefined) info.strikesDecayAt = entry.strikesDecayAt;
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
  if (entry.strikesDecayAt !== undefined) record.strikesDecayAt = entry.strikesDecayAt;
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
  if (record.strikesDecayAt !== undefined) entry.strikesDecayAt = record.strikesDecayAt;
  return entry;
}
