import { MurmurError } from '../errors/index.ts';
import {
  MAX_ADDRESS_LENGTH,
  MAX_ADDRESSES,
  MAX_PEER_ID_LENGTH,
  MAX_RECORD_BYTES,
  RECORD_VERSION,
} from './constants.ts';
import type { DiscoverySource, PeerRecord } from './types.ts';

const STATES = new Set(['connecting', 'active', 'lifesupport', 'purgatory', 'known']);
const SOURCES = new Set(['bootstrap', 'hbbp', 'hive', 'inbound', 'manual', 'store']);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a persisted peer record: UTF-8 JSON `{ v: 1, … }` (see docs/PEERS.md). */
export function encodeRecord(record: PeerRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/**
 * Decodes a persisted peer record. The byte cap is checked first; every field is validated. Throws
 * MURMUR_PEERS_RECORD_INVALID on anything else than a well-formed version-1 record.
 */
export function decodeRecord(bytes: Uint8Array): PeerRecord {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_RECORD_BYTES) {
    throw invalid('record too large', { bytes: bytes?.length });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new MurmurError('MURMUR_PEERS_RECORD_INVALID', 'peer record is not UTF-8 JSON', { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('not an object');
  const r = raw as Record<string, unknown>;
  if (r.v !== RECORD_VERSION) throw invalid('unknown format version', { v: r.v });
  if (typeof r.peerId !== 'string' || r.peerId.length === 0 || r.peerId.length > MAX_PEER_ID_LENGTH) {
    throw invalid('bad peerId');
  }
  if (
    !Array.isArray(r.addresses) ||
    r.addresses.length > MAX_ADDRESSES ||
    !r.addresses.every((a) => typeof a === 'string' && a.length > 0 && a.length <= MAX_ADDRESS_LENGTH)
  ) {
    throw invalid('bad addresses');
  }
  if (r.overlay !== undefined && (typeof r.overlay !== 'string' || !/^[0-9a-f]{64}$/.test(r.overlay))) {
    throw invalid('bad overlay');
  }
  if (!isTime(r.lastSeen)) throw invalid('bad lastSeen');
  if (typeof r.state !== 'string' || !STATES.has(r.state)) throw invalid('bad state');
  if (typeof r.source !== 'string' || !SOURCES.has(r.source)) throw invalid('bad source');
  if (!isCount(r.attempts) || !isCount(r.strikes)) throw invalid('bad counters');
  if (r.reason !== undefined && (typeof r.reason !== 'string' || r.reason.length > 256))
    throw invalid('bad reason');
  if (r.nextAttemptAt !== undefined && !isTime(r.nextAttemptAt)) throw invalid('bad nextAttemptAt');
  if (r.strikesDecayAt !== undefined && !isTime(r.strikesDecayAt)) throw invalid('bad strikesDecayAt');
  const record: PeerRecord = {
    v: RECORD_VERSION,
    peerId: r.peerId,
    addresses: [...(r.addresses as string[])],
    lastSeen: r.lastSeen,
    state: r.state as PeerRecord['state'],
    source: r.source as DiscoverySource,
    attempts: r.attempts,
    strikes: r.strikes,
  };
  if (r.overlay !== undefined) record.overlay = r.overlay as string;
  if (r.reason !== undefined) record.reason = r.reason as string;
  if (r.nextAttemptAt !== undefined) record.nextAttemptAt = r.nextAttemptAt;
  if (r.strikesDecayAt !== undefined) record.strikesDecayAt = r.strikesDecayAt;
  return record;
}

function isTime(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= 1_000_000;
}

function invalid(message: string, details: Record<string, unknown> = {}): MurmurError {
  return new MurmurError('MURMUR_PEERS_RECORD_INVALID', `invalid peer record: ${message}`, { details });
}
