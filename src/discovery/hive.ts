import type { Connection, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Clock, systemClock } from '../clock/index.ts';
import { MurmurError, strikeKindOf } from '../errors/index.ts';
import { overlayAddressOf } from '../identity/index.ts';
import type { Logger } from '../log/index.ts';
import type { NodeMetrics } from '../metrics/index.ts';
import {
  decodeHive,
  encodeHive,
  HIVE_PROTOCOL,
  MAX_HIVE_MESSAGE_BYTES,
  type OverlayPeer,
} from '../overlay/index.ts';
import { FramedStream, type Host } from '../p2p/index.ts';

export interface HiveOptions {
  host: Host;
  /** Stream-open deadlines run on it (default: the system clock). */
  clock?: Clock;
  networkId: string;
  metrics: NodeMetrics;
  logger: Logger;
  timeoutMs: number;
  /** The hive ids this node serves and offers, preferred first (HIVE_PROTOCOLS). */
  ids: readonly string[];
  /** Only active (handshaken) peers may send hive messages. */
  isActive: (peerId: string) => boolean;
  /**
   * The handshake still running on a connection, if any: a hive message that overtakes our side of
   * the handshake (the remote finished first) waits for it instead of being struck.
   */
  handshaking?: (connection: Connection) => Promise<unknown> | undefined;
  /** Verified peers received from `from`. */
  onPeers: (from: string, peers: OverlayPeer[]) => void;
  /** Misbehaviour of `peerId` (undecodable, oversized, protocol). */
  onStrike: (peerId: string, kind: string) => void;
}

const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

/**
 * Hive peer exchange on /murmur/node/hive/1.0.0 (and its legacy id): one length-prefixed HivePeers message per stream. Received
 * peers whose overlay does not derive from their peer id and network id are dropped (no poisoning).
 */
export class Hive {
  readonly #o: HiveOptions;

  constructor(options: HiveOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await this.#o.host.handle([...this.#o.ids], (stream, connection) => this.#receive(stream, connection), {
      maxInboundStreams: 8,
    });
  }

  async send(connection: Connection, peers: OverlayPeer[]): Promise<void> {
    if (peers.length === 0 || connection.status !== 'open') return;
    const stream = await connection.newStream([...this.#o.ids], {
      signal: (this.#o.clock ?? systemClock).timeout(this.#o.timeoutMs),
    });
    this.#o.metrics.negotiated(HIVE_PROTOCOL, stream.protocol);
    const framed = new FramedStream(stream, {
      maxBytes: MAX_HIVE_MESSAGE_BYTES,
      timeoutMs: this.#o.timeoutMs,
      onBytes: this.#o.metrics.onBytes(HIVE_PROTOCOL),
    });
    await framed.write(encodeHive(peers));
    this.#o.metrics.message(HIVE_PROTOCOL, 'out');
    await framed.close().catch(() => {});
  }

  async #receive(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    if (!this.#o.isActive(from)) await this.#o.handshaking?.(connection)?.catch(() => {});
    if (!this.#o.isActive(from)) {
      const err = new MurmurError('MURMUR_OVERLAY_HIVE_UNEXPECTED', 'hive before the handshake');
      const kind = strikeKindOf(err);
      if (kind !== undefined) this.#o.onStrike(from, kind);
      stream.abort(err);
      return;
    }
    this.#o.metrics.negotiated(HIVE_PROTOCOL, stream.protocol);
    const framed = new FramedStream(stream, {
      maxBytes: MAX_HIVE_MESSAGE_BYTES,
      timeoutMs: this.#o.timeoutMs,
      onBytes: this.#o.metrics.onBytes(HIVE_PROTOCOL),
    });
    let peers: OverlayPeer[];
    try {
      peers = decodeHive(await framed.readOne());
    } catch (err) {
      // the error table decides: oversized / undecodable strike, a closed stream or a timeout not
      const kind = strikeKindOf(err);
      if (kind !== undefined) this.#o.onStrike(from, kind);
      this.#o.logger.debug({ from, err }, 'hive message dropped');
      stream.abort(err as Error);
      return;
    }
    this.#o.metrics.message(HIVE_PROTOCOL, 'in');
    const valid: OverlayPeer[] = [];
    for (const p of peers) {
      try {
        const expected = overlayAddressOf(peerIdFromString(p.peerId).toMultihash().bytes, this.#o.networkId);
        if (equal(expected, p.overlay)) valid.push(p);
      } catch {
        // unparseable peer id: skip
      }
    }
    await framed.close().catch(() => {});
    this.#o.onPeers(from, valid);
  }
}
