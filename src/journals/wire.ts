import { ByteReader, varintSize, writeVarint } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';

/**
 * Hand-written codec of the hot message `Event` (proto/journals.proto): the same protobuf wire
 * bytes as protobuf-es produces, without reflection (several times faster per event). Unknown fields
 * are skipped; malformed input throws MURMUR_JOURNAL_BAD_MESSAGE. A hot path (every event stored,
 * sent or read): varints are src/bytes' hand-written ones, not `@bufbuild/protobuf/wire`.
 */
export interface EventFields {
  seq: number;
  time: number;
  payload: Uint8Array;
  prev: Uint8Array;
  sig: Uint8Array;
  sigFirst: number;
}

const EMPTY = new Uint8Array(0);
const bad = (why: string): MurmurError => new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', why);

export function encodeEventFields(e: EventFields): Uint8Array {
  let size = 0;
  if (e.seq) size += 1 + varintSize(e.seq);
  if (e.time) size += 1 + varintSize(e.time);
  if (e.payload.length) size += 1 + varintSize(e.payload.length) + e.payload.length;
  if (e.prev.length) size += 1 + varintSize(e.prev.length) + e.prev.length;
  if (e.sig.length) size += 1 + varintSize(e.sig.length) + e.sig.length;
  if (e.sigFirst) size += 1 + varintSize(e.sigFirst);
  const buf = new Uint8Array(size);
  let p = 0;
  const bytes = (tag: number, b: Uint8Array): void => {
    if (!b.length) return;
    buf[p++] = tag;
    p = writeVarint(buf, p, b.length);
    buf.set(b, p);
    p += b.length;
  };
  if (e.seq) {
    buf[p++] = 0x08;
    p = writeVarint(buf, p, e.seq);
  }
  if (e.time) {
    buf[p++] = 0x10;
    p = writeVarint(buf, p, e.time);
  }
  bytes(0x1a, e.payload);
  bytes(0x22, e.prev);
  bytes(0x2a, e.sig);
  if (e.sigFirst) {
    buf[p++] = 0x30;
    p = writeVarint(buf, p, e.sigFirst);
  }
  return buf;
}

export function decodeEventFields(buf: Uint8Array): EventFields {
  const out: EventFields = { seq: 0, time: 0, payload: EMPTY, prev: EMPTY, sig: EMPTY, sigFirst: 0 };
  const r = new ByteReader(buf, bad);
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw bad('field number 0');
    if (wire === 0) {
      const v = r.varint();
      if (field === 1) out.seq = v;
      else if (field === 2) out.time = v;
      else if (field === 6) out.sigFirst = v;
    } else if (wire === 2) {
      const len = r.varint();
      if (len > buf.length - r.pos) throw bad('truncated field');
      const v = buf.subarray(r.pos, r.pos + len);
      r.pos += len;
      if (field === 3) out.payload = v;
      else if (field === 4) out.prev = v;
      else if (field === 5) out.sig = v;
    } else if (wire === 1) {
      r.pos += 8;
    } else if (wire === 5) {
      r.pos += 4;
    } else {
      throw bad(`unsupported wire type ${wire}`);
    }
    if (r.pos > buf.length) throw bad('truncated field');
    if ((field <= 2 || field === 6) && wire !== 0) throw bad(`field ${field} has wire type ${wire}`);
    if (field >= 3 && field <= 5 && wire !== 2) throw bad(`field ${field} has wire type ${wire}`);
  }
  return out;
}

/** Most events a segment may list (checked while parsing, before any event is decoded). */
const MAX_FRAME_EVENTS = 1024;

/**
 * Splits an `Item` (proto/journals.proto) without reflection: either the raw records of its segment
 * (field 1 → repeated bytes field 1) or the bytes of its snapshot (field 2). Last occurrence wins for
 * the oneof, as in protobuf; unknown fields are skipped.
 */
export function decodeItemFrame(buf: Uint8Array): { events: Uint8Array[]; snapshot?: Uint8Array } {
  let events: Uint8Array[] | undefined;
  let snapshot: Uint8Array | undefined;
  for (const [field, wire, v] of fields(buf)) {
    if (field === 1 && wire === 2) {
      events = [];
      for (const [f, w, e] of fields(v as Uint8Array)) {
        if (f === 1 && w === 2) {
          if (events.length >= MAX_FRAME_EVENTS) throw bad('too many events in a segment');
          events.push(e as Uint8Array);
        } else if (f === 1) throw bad('segment events have the wrong wire type');
      }
      snapshot = undefined;
    } else if (field === 2 && wire === 2) {
      snapshot = v as Uint8Array;
      events = undefined;
    } else if (field === 1 || field === 2) {
      throw bad(`item field ${field} has wire type ${wire}`);
    }
  }
  if (snapshot) return { events: [], snapshot };
  if (!events) throw bad('empty item');
  return { events };
}

/** Iterates (field, wire type, value) over a protobuf message: numbers for varints, bytes for len. */
function* fields(buf: Uint8Array): Generator<[number, number, number | Uint8Array]> {
  const r = new ByteReader(buf, bad);
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw bad('field number 0');
    if (wire === 0) yield [field, wire, r.varint()];
    else if (wire === 2) {
      const len = r.varint();
      if (len > buf.length - r.pos) throw bad('truncated field');
      const v = buf.subarray(r.pos, r.pos + len);
      r.pos += len;
      yield [field, wire, v];
    } else if (wire === 1 || wire === 5) {
      r.pos += wire === 1 ? 8 : 4;
      if (r.pos > buf.length) throw bad('truncated field');
      yield [field, wire, 0];
    } else throw bad(`unsupported wire type ${wire}`);
  }
}
