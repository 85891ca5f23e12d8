/**
 * A rogue libp2p client for tests: a bare libp2p host (the project's startHost) that dials a node,
 * completes the murmur handshake so the node treats it as an active peer, learns the protocols the
 * node serves from the node's own Hello, and then writes whatever bytes a test wants on any of them.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { encodeVarint } from '../../src/bytes/index.ts';
import { HANDSHAKE_PROTOCOL, initiateHandshake } from '../../src/handshake/index.ts';
import { overlayAddressOf } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { type Host, startHost } from '../../src/p2p/index.ts';
import { addrOf, stateOf, until } from './cluster.ts';

export interface Rogue {
  readonly host: Host;
  readonly peerId: string;
  /** The connection to the target node (its active one once the handshake is done). */
  readonly connection: Connection;
  /** Every protocol id the target's Hello advertised (handshake included). */
  readonly protocols: readonly string[];
  /** A fresh stream on `protocol` to the target. */
  open(protocol: string): Promise<Stream>;
  /** Dials and handshakes again (after the node dropped the connection). */
  reconnect(): Promise<void>;
  stop(): Promise<void>;
}

/** The murmur service protocols a node serves (its Hello's list without the handshake itself). */
export function serviceProtocols(rogue: Rogue): string[] {
  return rogue.protocols.filter((p) => p.startsWith('/murmur/') && !p.includes('/handshake/'));
}

/**
 * Starts a rogue host, dials `target`, handshakes and waits until the target holds it active.
 * Throws when the target refuses it (e.g. it is in purgatory).
 */
export async function startRogue(target: MurmurNode): Promise<Rogue> {
  const host = await startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
  const peerId = host.peerId.toString();
  const addr = multiaddr(addrOf(target));
  let connection: Connection | undefined;
  let protocols: string[] = [];
  const handshake = async (): Promise<void> => {
    const conn = await host.dial(addr);
    const hello = await initiateHandshake(
      await conn.newStream(HANDSHAKE_PROTOCOL),
      {
        networkId: target.networkId,
        overlay: overlayAddressOf(host.peerId.toMultihash().bytes, target.networkId),
        protocols: [HANDSHAKE_PROTOCOL],
        addrs: () => [],
      },
      conn.remotePeer,
    );
    connection = conn;
    protocols = hello.protocols;
    await until(() => stateOf(target, peerId) === 'active', { what: 'the rogue active on the node' });
  };
  try {
    await handshake();
  } catch (err) {
    await host.stop();
    throw err;
  }
  return {
    host,
    peerId,
    get connection() {
      return connection!;
    },
    get protocols() {
      return protocols;
    },
    open: (protocol) => connection!.newStream(protocol, { maxOutboundStreams: 1024 }),
    reconnect: handshake,
    stop: async () => {
      await host.stop();
    },
  };
}

/** Writes `bytes` on the stream, waiting for each drain; false when the stream failed meanwhile. */
export async function sendRaw(stream: Stream, bytes: Uint8Array, pieceBytes = 64 * 1024): Promise<boolean> {
  try {
    for (let at = 0; at < bytes.byteLength; at += pieceBytes) {
      if (stream.status !== 'open') return false;
      if (!stream.send(bytes.subarray(at, Math.min(bytes.byteLength, at + pieceBytes)))) {
        await stream.onDrain();
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** Reads (and drops) what the node sends until it closes or resets the stream. */
export async function drainToEnd(stream: Stream): Promise<void> {
  try {
    for await (const _ of stream) {
      // discard
    }
  } catch {
    // reset by the node
  }
}

/** A varint length prefix announcing `length` bytes. */
export function prefix(length: number): Uint8Array {
  return encodeVarint(length);
}
