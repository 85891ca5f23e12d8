import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../../errors/index.ts';
import { BATCH_SIZE, MAX_MESSAGE_BYTES } from '../../streamer/constants.ts';
import { type Message, MessageSchema, type StreamId } from './proto/streamer_pb.js';

export type Body = NonNullable<Message['body']>;
export type BodyInit = NonNullable<MessageInitShape<typeof MessageSchema>['body']>;

/** Longest stream name or key accepted. */
export const MAX_STREAM_FIELD = 256;

export function encode(body: BodyInit): Uint8Array {
  return toBinary(MessageSchema, create(MessageSchema, { body }));
}

/** `name|key|live`: the map key of a stream. */
export function streamKey(s: { name: string; key: string; live: boolean }): string {
  return `${s.name}|${s.key}|${s.live ? 1 : 0}`;
}

/**
 * Decodes one streamer frame: size cap first, then protobuf, then field checks. Throws only
 * MURMUR_STREAMER_MESSAGE_TOO_LARGE or MURMUR_STREAMER_BAD_MESSAGE.
 */
export function decode(frame: Uint8Array): Body {
  if (frame.length > MAX_MESSAGE_BYTES) {
    throw new MurmurError('MURMUR_STREAMER_MESSAGE_TOO_LARGE', `message of ${frame.length} bytes`);
  }
  let msg: Message;
  try {
    msg = fromBinary(MessageSchema, frame);
  } catch (err) {
    throw new MurmurError('MURMUR_STREAMER_BAD_MESSAGE', 'undecodable streamer message', { cause: err });
  }
  const bad = (why: string): MurmurError => new MurmurError('MURMUR_STREAMER_BAD_MESSAGE', why);
  const body = msg.body;
  const checkStream = (s: StreamId | undefined): void => {
    if (!s) throw bad('stream missing');
    if (s.name.length === 0 || s.name.length > MAX_STREAM_FIELD || s.key.length > MAX_STREAM_FIELD) {
      throw bad('stream name or key out of range');
    }
  };
  switch (body.case) {
    case undefined:
      throw bad('empty streamer message');
    case 'subscribe':
      checkStream(body.value.stream);
      if (body.value.to !== 0n && body.value.to < body.value.from) throw bad('range ends before it starts');
      break;
    case 'offered':
      checkStream(body.value.stream);
      if (body.value.hashes.length % 32 !== 0) throw bad('offered hashes not a multiple of 32 bytes');
      if (body.value.hashes.length / 32 > BATCH_SIZE) throw bad('too many offered hashes');
      if (body.value.to < body.value.from) throw bad('offered range ends before it starts');
      break;
    case 'wanted':
      checkStream(body.value.stream);
      if (body.value.bitvector.length > BATCH_SIZE / 8) throw bad('bitvector too long');
      break;
    case 'delivery':
      checkStream(body.value.stream);
      if (body.value.hash.length !== 32) throw bad('delivery hash not 32 bytes');
      break;
    case 'unsubscribe':
    case 'error':
      checkStream(body.value.stream);
      break;
  }
  return body;
}
