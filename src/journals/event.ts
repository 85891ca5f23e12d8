import { hash } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../errors/index.ts';
import {
  DOMAIN,
  MAX_EVENT_RECORD_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_SEGMENT_BYTES,
  MAX_SIGNED_EVENTS,
  MAX_SNAPSHOT_STATE_BYTES,
} from './constants.ts';
import type { ParsedId } from './id.ts';
import { bytesEqual, sha256, verifySignature } from './keys.ts';
import { ItemSchema, SnapshotSchema } from './proto/journals_pb.js';
import { decodeEventFields, decodeItemFrame, encodeEventFields } from './wire.ts';

const EMPTY = new Uint8Array(0);

/** One event of a journal. `seq` counts from 1; `time` is ms since the epoch (writer's clock). */
export interface JournalEvent {
  seq: number;
  time: number;
  payload: Uint8Array;
  /** Hash of the previous event (the genesis hash for seq 1). */
  prev: Uint8Array;
  /** SHA-256 over the canonical bytes (see eventHash). */
  hash: Uint8Array;
}

/** A stored / transmitted event: the event plus, on the last event of a signed batch, the signature. */
export interface EventRecord extends JournalEvent {
  sig?: Uint8Array;
  sigFirst?: number;
  /** The record's bytes as decoded (stored as is when accepted: no re-encoding). */
  raw?: Uint8Array;
}

/** A writer-signed snapshot: the journal's state after event `upTo` (whose hash is `hash`). */
export interface Snapshot {
  upTo: number;
  hash: Uint8Array;
  time: number;
  state: Uint8Array;
  sig: Uint8Array;
}

const enc = new TextEncoder();
const D_EVENT = enc.encode(DOMAIN.event);
const D_BATCH = enc.encode(DOMAIN.batch);
const D_SNAPSHOT = enc.encode(DOMAIN.snapshot);
/** Largest Item (segment or snapshot) accepted, checked before decoding: one streamer frame. */
export const MAX_ITEM_BYTES = 128 * 1024;

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** hash_n = SHA-256(domain ‖ prev ‖ u64 seq ‖ u64 time ‖ u32 payload length ‖ payload). */
export function eventHash(prev: Uint8Array, seq: number, time: number, payload: Uint8Array): Uint8Array {
  const buf = Buffer.allocUnsafe(D_EVENT.length + prev.length + 20 + payload.length);
  let p = 0;
  buf.set(D_EVENT, p);
  p += D_EVENT.length;
  buf.set(prev, p);
  p += prev.length;
  buf.writeUIntBE(Math.floor(seq / 2 ** 32), p, 4);
  buf.writeUInt32BE(seq % 2 ** 32, p + 4);
  buf.writeUIntBE(Math.floor(time / 2 ** 32), p + 8, 4);
  buf.writeUInt32BE(time % 2 ** 32, p + 12);
  buf.writeUInt32BE(payload.length, p + 16);
  buf.set(payload, p + 20);
  return new Uint8Array(hash('sha256', buf, 'buffer'));
}

function idBytes(j: ParsedId): Uint8Array[] {
  const len = new Uint8Array(2);
  new DataView(len.buffer).setUint16(0, j.nameBytes.length);
  return [j.writer, len, j.nameBytes];
}

/** Bytes the writer signs for a batch: domain ‖ writer ‖ u16 name length ‖ name ‖ u64 first ‖ u64 last ‖ hash of last. */
export function batchMessage(j: ParsedId, first: number, last: number, hash: Uint8Array): Uint8Array {
  return Buffer.concat([D_BATCH, ...idBytes(j), u64(first), u64(last), hash]);
}

/** Bytes the writer signs for a snapshot: domain ‖ id ‖ u64 upTo ‖ hash ‖ u64 time ‖ SHA-256(state). */
export function snapshotMessage(j: ParsedId, s: Omit<Snapshot, 'sig'>): Uint8Array {
  return Buffer.concat([D_SNAPSHOT, ...idBytes(j), u64(s.upTo), s.hash, u64(s.time), sha256(s.state)]);
}

export function verifySnapshot(j: ParsedId, s: Snapshot): boolean {
  return verifySignature(j.writer, snapshotMessage(j, s), s.sig);
}

const bad = (why: string, cause?: unknown): MurmurError =>
  new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', why, cause === undefined ? undefined : { cause });
const tooLarge = (what: string, n: number): MurmurError =>
  new MurmurError('MURMUR_JOURNAL_TOO_LARGE', `${what} of ${n} bytes`, { details: { bytes: n } });

function safe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} out of range`);
  return Number(n);
}

export function encodeEvent(e: EventRecord): Uint8Array {
  return encodeEventFields({
    seq: e.seq,
    time: e.time,
    payload: e.payload,
    prev: e.prev,
    sig: e.sig ?? EMPTY,
    sigFirst: e.sig ? (e.sigFirst ?? e.seq) : 0,
  });
}

/** Decodes an event record (cap checked first) and recomputes its hash. */
export function decodeEvent(bytes: Uint8Array): EventRecord {
  if (bytes.length > MAX_EVENT_RECORD_BYTES) throw tooLarge('event record', bytes.length);
  const m = decodeEventFields(bytes);
  if (m.payload.length > MAX_PAYLOAD_BYTES) throw tooLarge('event payload', m.payload.length);
  if (m.prev.length !== 32) throw bad('event prev hash is not 32 bytes');
  if (m.seq < 1) throw bad('event seq must be >= 1');
  const { seq, time } = m;
  const rec: EventRecord = {
    seq,
    time,
    payload: m.payload,
    prev: m.prev,
    hash: eventHash(m.prev, seq, time, m.payload),
  };
  if (m.sig.length > 0) {
    if (m.sig.length !== 64) throw bad('signature is not 64 bytes');
    const sigFirst = m.sigFirst;
    if (sigFirst < 1 || sigFirst > seq || seq - sigFirst >= MAX_SIGNED_EVENTS)
      throw bad('signed range out of bounds');
    rec.sig = m.sig;
    rec.sigFirst = sigFirst;
  }
  return rec;
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  return toBinary(
    SnapshotSchema,
    create(SnapshotSchema, {
      upTo: BigInt(s.upTo),
      hash: s.hash,
      time: BigInt(s.time),
      state: s.state,
      sig: s.sig,
    }),
  );
}

function checkSnapshot(m: {
  upTo: bigint;
  hash: Uint8Array;
  time: bigint;
  state: Uint8Array;
  sig: Uint8Array;
}): Snapshot {
  if (m.state.length > MAX_SNAPSHOT_STATE_BYTES) throw tooLarge('snapshot state', m.state.length);
  if (m.hash.length !== 32) throw bad('snapshot hash is not 32 bytes');
  if (m.sig.length !== 64) throw bad('snapshot signature is not 64 bytes');
  if (m.upTo < 1n) throw bad('snapshot up_to must be >= 1');
  return {
    upTo: safe(m.upTo, 'up_to'),
    hash: m.hash,
    time: safe(m.time, 'time'),
    state: m.state,
    sig: m.sig,
  };
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length > MAX_ITEM_BYTES) throw tooLarge('snapshot', bytes.length);
  try {
    return checkSnapshot(fromBinary(SnapshotSchema, bytes));
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    throw bad('undecodable snapshot', err);
  }
}

/** A segment from raw stored event records (no re-encoding). */
export function encodeSegmentItem(records: Uint8Array[]): Uint8Array {
  return toBinary(ItemSchema, create(ItemSchema, { body: { case: 'segment', value: { events: records } } }));
}

export function encodeSnapshotItem(s: Snapshot): Uint8Array {
  return toBinary(
    ItemSchema,
    create(ItemSchema, {
      body: {
        case: 'snapshot',
        value: { upTo: BigInt(s.upTo), hash: s.hash, time: BigInt(s.time), state: s.state, sig: s.sig },
      },
    }),
  );
}

export type Item = { type: 'segment'; events: EventRecord[] } | { type: 'snapshot'; snapshot: Snapshot };

/**
 * Decodes one delivered item: cap first, then protobuf, then every event. Structural checks only
 * (consecutive seqs, chain inside the segment, signature present on the last event); the signature
 * and the link to the receiver's head are checked by the store. Throws MURMUR_JOURNAL_BAD_MESSAGE,
 * _TOO_LARGE, _GAP (reordered) or _FORGED (broken chain inside the segment).
 */
export function decodeItem(bytes: Uint8Array): Item {
  if (bytes.length > MAX_ITEM_BYTES) throw tooLarge('item', bytes.length);
  const frame = decodeItemFrame(bytes);
  if (frame.snapshot) {
    let snap: ReturnType<typeof fromBinary<typeof SnapshotSchema>>;
    try {
      snap = fromBinary(SnapshotSchema, frame.snapshot);
    } catch (err) {
      throw bad('undecodable snapshot', err);
    }
    return { type: 'snapshot', snapshot: checkSnapshot(snap) };
  }
  const raw = frame.events;
  if (raw.length === 0) throw bad('empty segment');
  if (raw.length > MAX_SIGNED_EVENTS) throw bad('too many events in a segment');
  let total = 0;
  const events: EventRecord[] = [];
  for (const r of raw) {
    total += r.length;
    if (total > MAX_SEGMENT_BYTES) throw tooLarge('segment', total);
    const e = decodeEvent(r);
    e.raw = r;
    const prev = events.at(-1);
    if (prev) {
      if (e.seq !== prev.seq + 1) {
        throw new MurmurError('MURMUR_JOURNAL_GAP', `event ${e.seq} after ${prev.seq} in a segment`);
      }
      if (!bytesEqual(e.prev, prev.hash)) {
        throw new MurmurError('MURMUR_JOURNAL_FORGED', `event ${e.seq} does not chain to event ${prev.seq}`);
      }
    }
    events.push(e);
  }
  if (!events.at(-1)!.sig) throw bad('segment does not end with a signed event');
  return { type: 'segment', events };
}
