import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../../errors/index.ts';
import { MAX_BUNDLE_BYTES, MAX_RECONCILE_MESSAGE_BYTES } from '../constants.ts';
import { RootAnnounceSchema } from '../proto/tree_pb.js';
import { MAX_ANNOUNCE_BYTES } from './constants.ts';

/**
 * Frames of the tree protocols (docs/TREE.md "Network layer"):
 * - announce: one protobuf `RootAnnounce` per frame;
 * - push: `tree[32] ‖ Bundle`;
 * - sync: `type ‖ body`: OPEN (tree[32] ‖ first reconciliation message), RECON (message),
 *   RECON_DONE, BUNDLE (Bundle bytes), END, UNKNOWN_TREE.
 * Every decoder checks a hard byte cap first and throws MURMUR_TREE_MALFORMED / MURMUR_TREE_TOO_LARGE.
 */

export interface RootAnnouncement {
  tree: Uint8Array;
  rootHash: Uint8Array;
  count: number;
}

export const SYNC_OPEN = 0x01;
export const SYNC_RECON = 0x02;
export const SYNC_RECON_DONE = 0x03;
export const SYNC_BUNDLE = 0x04;
export const SYNC_END = 0x05;
export const SYNC_UNKNOWN_TREE = 0x06;

export type SyncFrame =
  | { type: typeof SYNC_OPEN; tree: Uint8Array; message: Uint8Array }
  | { type: typeof SYNC_RECON; message: Uint8Array }
  | { type: typeof SYNC_RECON_DONE }
  | { type: typeof SYNC_BUNDLE; bundle: Uint8Array }
  | { type: typeof SYNC_END }
  | { type: typeof SYNC_UNKNOWN_TREE };

/** Largest sync frame: a bundle or a reconciliation message plus the header. */
export const MAX_SYNC_FRAME_BYTES = Math.max(MAX_BUNDLE_BYTES, MAX_RECONCILE_MESSAGE_BYTES) + 64;
/** Largest push frame. */
export const MAX_PUSH_FRAME_BYTES = MAX_BUNDLE_BYTES + 32;

function malformed(why: string): MurmurError {
  return new MurmurError('MURMUR_TREE_MALFORMED', `tree wire: ${why}`);
}

function cap(bytes: Uint8Array, max: number): void {
  if (!(bytes instanceof Uint8Array)) throw malformed('not bytes');
  if (bytes.length > max) throw new MurmurError('MURMUR_TREE_TOO_LARGE', `frame of ${bytes.length} bytes`);
}

export function encodeAnnounce(a: RootAnnouncement): Uint8Array {
  return toBinary(
    RootAnnounceSchema,
    create(RootAnnounceSchema, { tree: a.tree, rootHash: a.rootHash, count: BigInt(a.count) }),
  );
}

export function decodeAnnounce(bytes: Uint8Array): RootAnnouncement {
  cap(bytes, MAX_ANNOUNCE_BYTES);
  let m: ReturnType<typeof fromBinary<typeof RootAnnounceSchema>>;
  try {
    m = fromBinary(RootAnnounceSchema, bytes);
  } catch (cause) {
    throw new MurmurError('MURMUR_TREE_MALFORMED', 'tree wire: undecodable announce', { cause });
  }
  if (m.tree.length !== 32) throw malformed('announce tree is not 32 bytes');
  if (m.rootHash.length !== 16) throw malformed('announce root hash is not 16 bytes');
  if (m.count > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('announce count too large');
  return { tree: m.tree, rootHash: m.rootHash, count: Number(m.count) };
}

export function encodePush(tree: Uint8Array, bundle: Uint8Array): Uint8Array {
  const out = new Uint8Array(32 + bundle.length);
  out.set(tree, 0);
  out.set(bundle, 32);
  return out;
}

/** Splits a push frame; the bundle bytes are decoded by decodeBundle (its own cap). */
export function decodePush(bytes: Uint8Array): { tree: Uint8Array; bundle: Uint8Array } {
  cap(bytes, MAX_PUSH_FRAME_BYTES);
  if (bytes.length < 32) throw malformed('push frame too short');
  return { tree: bytes.subarray(0, 32), bundle: bytes.subarray(32) };
}

export function encodeSync(f: SyncFrame): Uint8Array {
  switch (f.type) {
    case SYNC_OPEN: {
      const out = new Uint8Array(33 + f.message.length);
      out[0] = SYNC_OPEN;
      out.set(f.tree, 1);
      out.set(f.message, 33);
      return out;
    }
    case SYNC_RECON:
      return withType(SYNC_RECON, f.message);
    case SYNC_BUNDLE:
      return withType(SYNC_BUNDLE, f.bundle);
    default:
      return Uint8Array.of(f.type);
  }
}

export function decodeSync(bytes: Uint8Array): SyncFrame {
  cap(bytes, MAX_SYNC_FRAME_BYTES);
  if (bytes.length === 0) throw malformed('empty sync frame');
  const type = bytes[0]!;
  const body = bytes.subarray(1);
  switch (type) {
    case SYNC_OPEN:
      if (body.length < 33) throw malformed('open frame too short');
      if (body.length - 32 > MAX_RECONCILE_MESSAGE_BYTES) throw malformed('open frame too large');
      return { type, tree: body.subarray(0, 32), message: body.subarray(32) };
    case SYNC_RECON:
      if (body.length === 0 || body.length > MAX_RECONCILE_MESSAGE_BYTES) throw malformed('bad message');
      return { type, message: body };
    case SYNC_BUNDLE:
      if (body.length > MAX_BUNDLE_BYTES) throw new MurmurError('MURMUR_TREE_TOO_LARGE', 'bundle too large');
      return { type, bundle: body };
    case SYNC_RECON_DONE:
    case SYNC_END:
    case SYNC_UNKNOWN_TREE:
      if (body.length !== 0) throw malformed('trailing bytes');
      return { type };
    default:
      throw malformed(`unknown sync frame type ${type}`);
  }
}

function withType(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = type;
  out.set(body, 1);
  return out;
}
