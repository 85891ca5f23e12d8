import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { ByteReader, varintSize, writeVarint } from '../../bytes/index.ts';
import { MurmurError } from '../../errors/index.ts';
import { isZero } from '../chunk.ts';
import { ADDRESS_SIZE, BIN_COUNT, MAX_CHUNK_DATA } from '../constants.ts';
import { MAX_MESSAGE_BYTES, MAX_OFFER_HASHES } from './constants.ts';
import { type Delivery, DeliverySchema, type Message, MessageSchema } from './proto/pullsync_pb.js';

export type Body = NonNullable<Message['body']>;
export type BodyOf<C extends Body['case']> = Extract<Body, { case: C }>['value'];

export function encode(body: NonNullable<MessageInitShape<typeof MessageSchema>['body']>): Uint8Array {
  if (
    body.case === 'delivery' &&
    body.value.address instanceof Uint8Array &&
    body.value.data instanceof Uint8Array
  ) {
    return encodeDelivery(body.value.address, body.value.data);
  }
  return toBinary(MessageSchema, create(MessageSchema, { body }));
}

/** Tag of `Message.delivery` (field 8, length-delimited): the first byte of every delivery frame. */
export const DELIVERY_TAG = 0x42;
const TAG_ADDRESS = 0x0a; // Delivery.address: field 1, length-delimited
const TAG_DATA = 0x12; // Delivery.data: field 2, length-delimited
// Deliveries are the pull-sync hot path: encoded and decoded by hand with src/bytes' varint; the other
// messages go through protobuf-es.

/**
 * The bytes of a Delivery frame in front of its data (tag, lengths, address, data tag and length):
 * `encodeDeliveryHead(a, d.length)` followed by `d` is `encodeDelivery(a, d)`. Lets a channel copy the
 * payload once, straight into its outgoing buffer.
 */
export function encodeDeliveryHead(address: Uint8Array, dataLength: number): Uint8Array {
  const addrField = address.length > 0 ? 1 + varintSize(address.length) + address.length : 0;
  const dataHead = dataLength > 0 ? 1 + varintSize(dataLength) : 0;
  const inner = addrField + dataHead + dataLength;
  const out = new Uint8Array(1 + varintSize(inner) + addrField + dataHead);
  let p = 0;
  out[p++] = DELIVERY_TAG;
  p = writeVarint(out, p, inner);
  if (address.length > 0) {
    out[p++] = TAG_ADDRESS;
    p = writeVarint(out, p, address.length);
    out.set(address, p);
    p += address.length;
  }
  if (dataLength > 0) {
    out[p++] = TAG_DATA;
    writeVarint(out, p, dataLength);
  }
  return out;
}

/**
 * The Delivery frame written by hand, byte-identical to protobuf-es (`encode({ case: 'delivery' })`):
 * one allocation (not zero-filled) and two copies instead of the reflective encoder.
 */
export function encodeDelivery(address: Uint8Array, data: Uint8Array): Uint8Array {
  const head = encodeDeliveryHead(address, data.length);
  const size = head.length + data.length;
  // every byte is written below: no zero-fill (own ArrayBuffer, not a pool slice)
  const out = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/**
 * Fast path of decode() for the canonical Delivery layout (tag, length, address field, data field, as
 * encodeDelivery writes it); anything else returns undefined and takes the generic protobuf path.
 * Views into the frame, no copies.
 */
function decodeDeliveryFast(frame: Uint8Array): Delivery | undefined {
  if (frame[0] !== DELIVERY_TAG) return undefined;
  const r = new ByteReader(frame, undefined, 1);
  const len = r.tryVarint(3);
  if (len < 0 || r.pos + len !== frame.length) return undefined;
  let p = r.pos;
  if (frame[p] !== TAG_ADDRESS || frame[p + 1] !== ADDRESS_SIZE) return undefined;
  p += 2;
  const address = frame.subarray(p, p + ADDRESS_SIZE);
  p += ADDRESS_SIZE;
  if (frame[p] !== TAG_DATA) return undefined;
  r.pos = p + 1;
  const dl = r.tryVarint(3);
  if (dl <= 0 || r.pos + dl !== frame.length) return undefined;
  const data = frame.subarray(r.pos);
  return create(DeliverySchema, { address, data });
}

/**
 * Decodes one frame: size cap first, then protobuf, then field-level checks (bins, chunk sizes, offer
 * hash length). Throws MURMUR_CHUNKS_MESSAGE_TOO_LARGE, MURMUR_CHUNKS_BAD_MESSAGE or
 * MURMUR_CHUNKS_INVALID_OFFER; never anything else.
 */
export function decode(frame: Uint8Array): Body {
  if (frame.length > MAX_MESSAGE_BYTES) {
    throw new MurmurError('MURMUR_CHUNKS_MESSAGE_TOO_LARGE', `message of ${frame.length} bytes`, {
      details: { bytes: frame.length, max: MAX_MESSAGE_BYTES },
    });
  }
  const fast = decodeDeliveryFast(frame);
  if (fast !== undefined) {
    if (fast.data.length > MAX_CHUNK_DATA) {
      throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', 'delivery data too large');
    }
    return { case: 'delivery', value: fast };
  }
  let msg: Message;
  try {
    msg = fromBinary(MessageSchema, frame);
  } catch (err) {
    throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', 'undecodable pull-sync message', { cause: err });
  }
  const body = msg.body;
  const bad = (why: string): MurmurError => new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', why);
  switch (body.case) {
    case undefined:
      throw bad('empty pull-sync message');
    case 'ack':
      if (body.value.cursors.length > BIN_COUNT) throw bad('too many cursors');
      break;
    case 'getRange':
      if (body.value.bin >= BIN_COUNT) throw bad('bin out of range');
      if (body.value.to < body.value.from) throw bad('range ends before it starts');
      break;
    case 'offer': {
      const h = body.value.hashes;
      if (h.length % ADDRESS_SIZE !== 0) {
        throw new MurmurError('MURMUR_CHUNKS_INVALID_OFFER', 'offered hashes not a multiple of 32 bytes');
      }
      if (h.length / ADDRESS_SIZE > MAX_OFFER_HASHES) {
        throw new MurmurError('MURMUR_CHUNKS_INVALID_OFFER', 'too many offered hashes');
      }
      for (let i = 0; i < h.length; i += ADDRESS_SIZE) {
        if (isZero(h.subarray(i, i + ADDRESS_SIZE))) {
          throw new MurmurError('MURMUR_CHUNKS_INVALID_OFFER', 'zero address offered');
        }
      }
      break;
    }
    case 'want':
      if (body.value.bitvector.length > Math.ceil(MAX_OFFER_HASHES / 8)) throw bad('bitvector too long');
      break;
    case 'delivery':
      if (body.value.address.length !== ADDRESS_SIZE) throw bad('delivery address not 32 bytes');
      if (body.value.data.length > MAX_CHUNK_DATA) throw bad('delivery data too large');
      break;
  }
  return body;
}

/** Decodes and checks the frame is of the expected kind. */
export function expect<C extends Body['case']>(frame: Uint8Array, kind: C): BodyOf<C> {
  const body = decode(frame);
  if (body.case !== kind) {
    throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', `expected ${kind}, got ${body.case}`);
  }
  return body.value as BodyOf<C>;
}

/** Splits offered hashes into 32-byte addresses (views). */
export function splitHashes(hashes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i += ADDRESS_SIZE) out.push(hashes.subarray(i, i + ADDRESS_SIZE));
  return out;
}

/** A bitvector of n bits: bit i in byte i/8, mask 1 << (i % 8). */
export function makeBitvector(n: number, set: Iterable<number>): Uint8Array {
  const bv = new Uint8Array(Math.ceil(n / 8));
  for (const i of set) bv[i >> 3]! |= 1 << (i & 7);
  return bv;
}

export function bitSet(bv: Uint8Array, i: number): boolean {
  return ((bv[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}
