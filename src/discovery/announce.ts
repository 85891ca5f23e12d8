import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { MurmurError } from '../errors/index.ts';
import { AnnounceSchema } from './proto/discovery_pb.js';

/** Cap on an announcement (fits one HBBP datagram with its key). */
export const MAX_ANNOUNCE_BYTES = 1100;
/** Addresses carried at most. */
export const MAX_ANNOUNCE_ADDRS = 8;

export interface Announcement {
  /** Peer id (base58btc). */
  peerId: string;
  /** Multiaddr strings. */
  addrs: string[];
}

/** Encodes an announcement, dropping addresses until it fits MAX_ANNOUNCE_BYTES. */
export function encodeAnnounce(a: Announcement): Uint8Array {
  const addrs = a.addrs.slice(0, MAX_ANNOUNCE_ADDRS).map((s) => multiaddr(s).bytes);
  for (;;) {
    const bytes = toBinary(AnnounceSchema, create(AnnounceSchema, { peerId: a.peerId, addrs }));
    if (bytes.byteLength <= MAX_ANNOUNCE_BYTES || addrs.length === 0) return bytes;
    addrs.pop();
  }
}

/** Decodes untrusted announcement bytes; throws MURMUR_FRAME_TOO_LARGE / MURMUR_FRAME_MALFORMED. */
export function decodeAnnounce(bytes: Uint8Array): Announcement {
  if (bytes.byteLength > MAX_ANNOUNCE_BYTES) {
    throw new MurmurError('MURMUR_FRAME_TOO_LARGE', `announcement of ${bytes.byteLength} bytes`);
  }
  let msg: ReturnType<typeof fromBinary<typeof AnnounceSchema>>;
  try {
    msg = fromBinary(AnnounceSchema, bytes);
  } catch (err) {
    throw new MurmurError('MURMUR_FRAME_MALFORMED', 'undecodable announcement', { cause: err });
  }
  try {
    if (msg.peerId.length > 128) throw new Error('too long');
    peerIdFromString(msg.peerId);
  } catch (err) {
    throw new MurmurError('MURMUR_FRAME_MALFORMED', 'announcement without a valid peer id', { cause: err });
  }
  if (msg.addrs.length > MAX_ANNOUNCE_ADDRS) {
    throw new MurmurError('MURMUR_FRAME_MALFORMED', 'announcement with too many addresses');
  }
  const addrs: string[] = [];
  for (const raw of msg.addrs) {
    try {
      addrs.push(multiaddr(raw).toString());
    } catch {
      // drop an unparseable address
    }
  }
  return { peerId: msg.peerId, addrs };
}
