import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../../errors/index.ts';
import { isZero } from '../chunk.ts';
import { ADDRESS_SIZE, BIN_COUNT, MAX_CHUNK_DATA } from '../constants.ts';
import { MAX_MESSAGE_BYTES, MAX_OFFER_HASHES } from './constants.ts';
import { type Message, MessageSchema } from './proto/pullsync_pb.js';

export type Body = NonNullable<Message['body']>;
export type BodyOf<C extends Body['case']> = Extract<Body, { case: C }>['value'];

export function encode(body: NonNullable<MessageInitShape<typeof MessageSchema>['body']>): Uint8Array {
  return toBinary(MessageSchema, create(MessageSchema, { body }));
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
