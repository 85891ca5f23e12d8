import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { multiaddr } from '@multiformats/multiaddr';
import { MurmurError } from '../errors/index.ts';
import {
  MAX_HELLO_ADDRS,
  MAX_HELLO_BYTES,
  MAX_HELLO_PROTOCOLS,
  MAX_HELLO_STRING,
  OVERLAY_BYTES,
  REFUSAL_REASONS,
  type RefusalReason,
} from './constants.ts';
import { HelloSchema } from './proto/handshake_pb.js';

/** A decoded, validated Hello. */
export interface HelloInfo {
  networkId: string;
  /** 32 bytes (empty only in a refusal). */
  overlay: Uint8Array;
  protocols: string[];
  /** Multiaddr strings (without /p2p). */
  addrs: string[];
  /** Set when the sender refuses. */
  refused?: RefusalReason;
  /** The sender's wall clock (Unix ms) when it wrote the Hello; absent from older nodes. */
  wallMs?: number;
}

export function encodeHello(hello: HelloInfo): Uint8Array {
  const addrs: Uint8Array[] = [];
  for (const a of hello.addrs.slice(0, MAX_HELLO_ADDRS)) {
    try {
      addrs.push(multiaddr(a).bytes);
    } catch {
      // skip an address that does not parse
    }
  }
  return toBinary(
    HelloSchema,
    create(HelloSchema, {
      networkId: hello.networkId,
      overlay: hello.overlay,
      protocols: hello.protocols.slice(0, MAX_HELLO_PROTOCOLS),
      addrs,
      refused: hello.refused ?? '',
      wallMs: BigInt(Math.max(0, Math.floor(hello.wallMs ?? 0))),
    }),
  );
}

function malformed(message: string, cause?: unknown): MurmurError {
  return new MurmurError('MURMUR_FRAME_MALFORMED', `bad handshake message: ${message}`, { cause });
}

/**
 * Decodes a Hello from untrusted bytes. Throws MURMUR_FRAME_TOO_LARGE / MURMUR_FRAME_MALFORMED only.
 * Unparseable addresses are dropped (not fatal); everything else out of bounds is malformed.
 */
export function decodeHello(bytes: Uint8Array): HelloInfo {
  if (bytes.byteLength > MAX_HELLO_BYTES) {
    throw new MurmurError('MURMUR_FRAME_TOO_LARGE', `hello of ${bytes.byteLength} bytes`, {
      details: { size: bytes.byteLength, max: MAX_HELLO_BYTES },
    });
  }
  let msg: ReturnType<typeof fromBinary<typeof HelloSchema>>;
  try {
    msg = fromBinary(HelloSchema, bytes);
  } catch (err) {
    throw malformed('not a Hello protobuf', err);
  }
  if (msg.networkId.length > MAX_HELLO_STRING) throw malformed('network id too long');
  if (msg.refused.length > MAX_HELLO_STRING) throw malformed('refusal too long');
  if (msg.protocols.length > MAX_HELLO_PROTOCOLS) throw malformed('too many protocols');
  if (msg.protocols.some((p) => p.length > MAX_HELLO_STRING)) throw malformed('protocol id too long');
  if (msg.addrs.length > MAX_HELLO_ADDRS) throw malformed('too many addresses');
  let refused: RefusalReason | undefined;
  if (msg.refused !== '') {
    refused = (REFUSAL_REASONS as readonly string[]).includes(msg.refused)
      ? (msg.refused as RefusalReason)
      : 'invalid';
  } else if (msg.overlay.byteLength !== OVERLAY_BYTES) {
    throw malformed(`overlay of ${msg.overlay.byteLength} bytes`);
  }
  const addrs: string[] = [];
  for (const raw of msg.addrs) {
    try {
      addrs.push(multiaddr(raw).toString());
    } catch {
      // drop
    }
  }
  const hello: HelloInfo = {
    networkId: msg.networkId,
    overlay: msg.overlay,
    protocols: msg.protocols,
    addrs,
  };
  if (refused !== undefined) hello.refused = refused;
  // 0 is "absent"; a value past 2^53 cannot be a real wall time and is dropped the same way.
  if (msg.wallMs > 0n && msg.wallMs <= BigInt(Number.MAX_SAFE_INTEGER)) hello.wallMs = Number(msg.wallMs);
  return hello;
}
