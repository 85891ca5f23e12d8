import './codes.ts';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../errors/index.ts';
import { isAddress } from './address.ts';
import {
  ADDRESS_LENGTH,
  MAX_HIVE_ADDRESSES,
  MAX_HIVE_MESSAGE_BYTES,
  MAX_HIVE_PEERS,
  MAX_HIVE_STRING,
} from './constants.ts';
import { HivePeerSchema, type HivePeers, HivePeersSchema } from './proto/hive_pb.js';
import type { OverlayPeer } from './types.ts';

/** Encodes a hive message (peers are truncated to the message limits). */
export function encodeHive(peers: readonly OverlayPeer[]): Uint8Array {
  const message = create(HivePeersSchema, {
    peers: peers.slice(0, MAX_HIVE_PEERS).map((p) =>
      create(HivePeerSchema, {
        overlay: p.overlay,
        peerId: p.peerId,
        addresses: p.addresses.filter((a) => a.length <= MAX_HIVE_STRING).slice(0, MAX_HIVE_ADDRESSES),
      }),
    ),
  });
  const bytes = toBinary(HivePeersSchema, message);
  if (bytes.length > MAX_HIVE_MESSAGE_BYTES) {
    throw new MurmurError('MURMUR_OVERLAY_HIVE_TOO_LARGE', 'hive message too large', {
      details: { bytes: bytes.length, max: MAX_HIVE_MESSAGE_BYTES },
    });
  }
  return bytes;
}

/**
 * Decodes a hive message from the network. The size cap is checked before decoding; every peer must
 * have a 32-byte overlay and a non-empty peer id, within the count and length limits. Throws
 * MURMUR_OVERLAY_HIVE_TOO_LARGE or MURMUR_OVERLAY_HIVE_INVALID (count it as misbehaviour).
 */
export function decodeHive(bytes: Uint8Array): OverlayPeer[] {
  if (bytes.length > MAX_HIVE_MESSAGE_BYTES) {
    throw new MurmurError('MURMUR_OVERLAY_HIVE_TOO_LARGE', 'hive message too large', {
      details: { bytes: bytes.length, max: MAX_HIVE_MESSAGE_BYTES },
    });
  }
  let message: HivePeers;
  try {
    message = fromBinary(HivePeersSchema, bytes);
  } catch (cause) {
    throw new MurmurError('MURMUR_OVERLAY_HIVE_INVALID', 'undecodable hive message', { cause });
  }
  if (message.peers.length > MAX_HIVE_PEERS) {
    throw invalid('too many peers', { peers: message.peers.length });
  }
  return message.peers.map((p) => {
    if (!isAddress(p.overlay)) throw invalid(`overlay must be ${ADDRESS_LENGTH} bytes`, {});
    if (p.peerId.length === 0 || p.peerId.length > MAX_HIVE_STRING) throw invalid('bad peer id', {});
    if (p.addresses.length > MAX_HIVE_ADDRESSES) throw invalid('too many addresses', {});
    for (const a of p.addresses)
      if (a.length === 0 || a.length > MAX_HIVE_STRING) throw invalid('bad address', {});
    // a copy: the decoded bytes are a view of the whole message, which a kept peer would otherwise pin
    return { peerId: p.peerId, overlay: new Uint8Array(p.overlay), addresses: [...p.addresses] };
  });
}

function invalid(message: string, details: Record<string, unknown>): MurmurError {
  return new MurmurError('MURMUR_OVERLAY_HIVE_INVALID', `invalid hive message: ${message}`, { details });
}
