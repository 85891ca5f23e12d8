import type { PeerId } from '@libp2p/interface';
import { bytesEqual } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import { overlayAddressOf } from '../identity/index.ts';
import { FramedStream, type MessageStreamLike } from '../p2p/index.ts';
import { decodeHello, encodeHello, type HelloInfo } from './codec.ts';
import {
  HANDSHAKE_COMPAT_PREFIXES,
  HANDSHAKE_TIMEOUT_MS,
  MAX_HELLO_BYTES,
  type RefusalReason,
} from './constants.ts';

export { decodeHello, encodeHello, type HelloInfo } from './codec.ts';
export * from './constants.ts';

/** What this node says about itself, and how it decides on the remote beyond the fixed checks. */
export interface HandshakeLocal {
  networkId: string;
  overlay: Uint8Array;
  protocols: string[];
  addrs(): string[];
  /** This node's wall clock (Unix ms), sent in each Hello so peers can estimate their offset. */
  wallMs?(): number;
  /** Extra admission check after network/self/overlay/version passed ('duplicate', 'busy'). */
  admit?(remote: PeerId): RefusalReason | undefined;
}

export interface HandshakeRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onBytes?: (direction: 'in' | 'out', bytes: number) => void;
}

/** The fixed checks on a remote Hello; undefined when acceptable. */
export function checkHello(
  local: HandshakeLocal,
  remote: PeerId,
  hello: HelloInfo,
): RefusalReason | undefined {
  if (hello.networkId !== local.networkId) return 'network';
  if (bytesEqual(hello.overlay, local.overlay)) return 'self';
  const expected = overlayAddressOf(remote.toMultihash().bytes, hello.networkId);
  if (!bytesEqual(hello.overlay, expected)) return 'overlay';
  const compatible = (p: string): boolean => HANDSHAKE_COMPAT_PREFIXES.some((prefix) => p.startsWith(prefix));
  if (!hello.protocols.some(compatible)) return 'version';
  return local.admit?.(remote);
}

/** A refusal, by this node ('local') or by the remote. */
export function refusal(reason: RefusalReason, by: 'local' | 'remote', remote: PeerId): MurmurError {
  return new MurmurError('MURMUR_HANDSHAKE_REFUSED', `handshake with ${remote} refused by ${by}: ${reason}`, {
    details: { reason, by, peerId: remote.toString() },
  });
}

function ownHello(local: HandshakeLocal, refused?: RefusalReason): Uint8Array {
  const hello: HelloInfo = {
    networkId: local.networkId,
    overlay: local.overlay,
    protocols: local.protocols,
    addrs: local.addrs(),
  };
  if (refused !== undefined) hello.refused = refused;
  const wallMs = local.wallMs?.();
  if (wallMs !== undefined) hello.wallMs = wallMs;
  return encodeHello(hello);
}

async function refuse(framed: FramedStream, local: HandshakeLocal, reason: RefusalReason, remote: PeerId) {
  await framed.write(ownHello(local, reason), { timeoutMs: 1000 }).catch(() => {});
  await framed.close({ timeoutMs: 1000 }).catch(() => {});
  return refusal(reason, 'local', remote);
}

async function readHello(framed: FramedStream, options: HandshakeRunOptions): Promise<HelloInfo> {
  const io = { signal: options.signal, timeoutMs: options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS };
  return decodeHello(await framed.readOne(io));
}

/**
 * Dialer side on a fresh stream: Hello → remote Hello → confirm. Resolves the remote's Hello; throws
 * MURMUR_HANDSHAKE_REFUSED (details.reason, details.by) or a framing/timeout MurmurError.
 */
export async function initiateHandshake(
  stream: MessageStreamLike,
  local: HandshakeLocal,
  remote: PeerId,
  options: HandshakeRunOptions = {},
): Promise<HelloInfo> {
  const framed = new FramedStream(stream, { maxBytes: MAX_HELLO_BYTES, onBytes: options.onBytes });
  const io = { signal: options.signal, timeoutMs: options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS };
  await framed.write(ownHello(local), io);
  const reply = await readHello(framed, options);
  if (reply.refused !== undefined) throw refusal(reply.refused, 'remote', remote);
  const reason = checkHello(local, remote, reply);
  if (reason !== undefined) throw await refuse(framed, local, reason, remote);
  await framed.write(ownHello(local), io);
  await framed.close(io).catch(() => {});
  return reply;
}

/** Responder side (the protocol handler): read Hello, check, answer, wait for the confirm. */
export async function respondHandshake(
  stream: MessageStreamLike,
  local: HandshakeLocal,
  remote: PeerId,
  options: HandshakeRunOptions = {},
): Promise<HelloInfo> {
  const framed = new FramedStream(stream, { maxBytes: MAX_HELLO_BYTES, onBytes: options.onBytes });
  const io = { signal: options.signal, timeoutMs: options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS };
  const hello = await readHello(framed, options);
  if (hello.refused !== undefined) throw refusal(hello.refused, 'remote', remote);
  const reason = checkHello(local, remote, hello);
  if (reason !== undefined) throw await refuse(framed, local, reason, remote);
  await framed.write(ownHello(local), io);
  const confirm = await readHello(framed, options);
  if (confirm.refused !== undefined) throw refusal(confirm.refused, 'remote', remote);
  await framed.close(io).catch(() => {});
  return hello;
}
