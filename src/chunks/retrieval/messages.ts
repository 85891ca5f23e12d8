import { MurmurError } from '../../errors/index.ts';
import { validSize } from '../chunk.ts';
import { ADDRESS_SIZE } from '../constants.ts';
import { RETRIEVAL_MAX_HOPS, RETRIEVAL_MAX_MESSAGE, RETRIEVAL_MAX_SKIP } from './constants.ts';

const T_REQUEST = 1;
const T_DELIVERY = 2;
const T_NOT_FOUND = 3;

export interface RetrievalRequest {
  address: Uint8Array;
  /** Hops left after this one (0 = do not forward). */
  hops: number;
  /** Overlay addresses not to forward to (already on the path). */
  skip: Uint8Array[];
}

export type RetrievalMessage =
  | ({ type: 'request' } & RetrievalRequest)
  | { type: 'delivery'; data: Uint8Array }
  | { type: 'not-found' };

const bad = (why: string): MurmurError => new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', `retrieval: ${why}`);

/**
 * Wire format (one frame each):
 *   request   = 0x01 ‖ address (32) ‖ hops (u8) ‖ n (u8) ‖ n × overlay (32)
 *   delivery  = 0x02 ‖ chunk data (8..4104)
 *   not-found = 0x03
 */
export function encodeRetrieval(msg: RetrievalMessage): Uint8Array {
  if (msg.type === 'not-found') return Uint8Array.of(T_NOT_FOUND);
  if (msg.type === 'delivery') {
    const out = new Uint8Array(1 + msg.data.length);
    out[0] = T_DELIVERY;
    out.set(msg.data, 1);
    return out;
  }
  const skip = msg.skip.slice(0, RETRIEVAL_MAX_SKIP);
  const out = new Uint8Array(1 + ADDRESS_SIZE + 2 + skip.length * ADDRESS_SIZE);
  out[0] = T_REQUEST;
  out.set(msg.address, 1);
  out[1 + ADDRESS_SIZE] = Math.max(0, Math.min(msg.hops, RETRIEVAL_MAX_HOPS));
  out[2 + ADDRESS_SIZE] = skip.length;
  skip.forEach((s, i) => {
    out.set(s, 3 + ADDRESS_SIZE + i * ADDRESS_SIZE);
  });
  return out;
}

/** Decodes a retrieval message; MURMUR_CHUNKS_MESSAGE_TOO_LARGE / MURMUR_CHUNKS_BAD_MESSAGE on junk. */
export function decodeRetrieval(bytes: Uint8Array): RetrievalMessage {
  if (bytes.length > RETRIEVAL_MAX_MESSAGE) {
    throw new MurmurError('MURMUR_CHUNKS_MESSAGE_TOO_LARGE', 'retrieval message over its cap');
  }
  const type = bytes[0];
  if (type === T_NOT_FOUND) {
    if (bytes.length !== 1) throw bad('trailing bytes');
    return { type: 'not-found' };
  }
  if (type === T_DELIVERY) {
    const data = bytes.slice(1);
    if (!validSize(data)) throw bad('chunk size out of range');
    return { type: 'delivery', data };
  }
  if (type !== T_REQUEST) throw bad('unknown message type');
  if (bytes.length < 3 + ADDRESS_SIZE) throw bad('short request');
  const hops = bytes[1 + ADDRESS_SIZE]!;
  const n = bytes[2 + ADDRESS_SIZE]!;
  if (hops > RETRIEVAL_MAX_HOPS) throw bad('too many hops');
  if (n > RETRIEVAL_MAX_SKIP) throw bad('skip list too long');
  if (bytes.length !== 3 + ADDRESS_SIZE + n * ADDRESS_SIZE) throw bad('request length');
  const skip: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const at = 3 + ADDRESS_SIZE + i * ADDRESS_SIZE;
    skip.push(bytes.slice(at, at + ADDRESS_SIZE));
  }
  return { type: 'request', address: bytes.slice(1, 1 + ADDRESS_SIZE), hops, skip };
}
