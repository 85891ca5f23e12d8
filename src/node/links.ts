import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../bytes/index.ts';
import { type Clock, ClockOffsetEstimator } from '../clock/index.ts';
import { isMurmurError, MurmurError, strikeKindOf } from '../errors/index.ts';
import {
  HANDSHAKE_PROTOCOL,
  type HandshakeLocal,
  type HelloInfo,
  initiateHandshake,
  type RefusalReason,
  respondHandshake,
} from '../handshake/index.ts';
import type { Logger } from '../log/index.ts';
import type { NodeMetrics } from '../metrics/index.ts';
import { describeCause, type Host, isShareable, withoutPeer, withPeer } from '../p2p/index.ts';
import type { PeerBook } from '../peers/index.ts';
import { GOODBYE_PROTOCOL, GOODBYE_TIMEOUT_MS } from './constants.ts';
import { readGoodbye, sendGoodbye } from './goodbye.ts';
import type { PeerInfo } from './types.ts';

/** Refusals that send the remote to purgatory ("rejected at introduction"). */
const PURGATORY_REASONS: ReadonlySet<RefusalReason> = new Set(['network', 'overlay', 'version', 'invalid']);

export interface LinksOptions {
  host: Host;
  /** Dial and handshake deadlines run on it. */
  clock: Clock;
  book: PeerBook;
  metrics: NodeMetrics;
  logger: Logger;
  networkId: string;
  overlay: Uint8Array;
  protocols: string[];
  /** The handshake ids this node serves and offers, preferred first (HANDSHAKE_PROTOCOLS). */
  handshakeIds: readonly string[];
  handshakeTimeoutMs: number;
  dialTimeoutMs: number;
  /** A handshake completed: the peer is active on `connection`. */
  onActive: (peerId: string, hello: HelloInfo, connection: Connection) => void;
  /** The active connection of a peer closed. */
  onInactive: (peerId: string) => void;
}

/**
 * Connections ↔ peer book: runs the murmur handshake on every new connection (the dialler initiates),
 * enforces one active connection per peer, turns refusals and garbage into purgatory / strikes, and
 * reports closes. `dial()` connects and resolves once the handshake is done.
 */
export class Links {
  /** This node's wall-clock offset against its active peers' (from the wall time in their Hellos). */
  readonly clockOffset = new ClockOffsetEstimator();
  readonly #o: LinksOptions;
  /** peerId → id of its active (handshaken) connection. */
  readonly #active = new Map<string, string>();
  /** connection id → handshake in progress. */
  readonly #handshakes = new Map<string, Promise<PeerInfo>>();
  readonly #pending = new Set<string>();
  #stopping = false;

  constructor(options: LinksOptions) {
    this.#o = options;
  }

  get pending(): ReadonlySet<string> {
    return this.#pending;
  }

  /** The handshake running on `connection` (undefined when none is: done, failed or never started). */
  handshakeOn(connection: Connection): Promise<PeerInfo> | undefined {
    return this.#handshakes.get(connection.id);
  }

  isActive(peerId: string): boolean {
    return this.#active.has(peerId);
  }

  activeConnection(peerId: string): Connection | undefined {
    const id = this.#active.get(peerId);
    if (id === undefined) return undefined;
    return this.#o.host.getConnections(peerIdFromString(peerId)).find((c) => c.id === id);
  }

  async start(): Promise<void> {
    const { host } = this.#o;
    await host.handle([...this.#o.handshakeIds], (stream, connection) => this.#respond(stream, connection), {
      maxInboundStreams: 4,
    });
    await host.handle(GOODBYE_PROTOCOL, (stream, connection) => this.#farewell(stream, connection), {
      maxInboundStreams: 2,
    });
    host.addEventListener('connection:open', (evt) => this.#opened(evt.detail));
    host.addEventListener('connection:close', (evt) => this.#closed(evt.detail));
  }

  stop(): void {
    this.#stopping = true;
  }

  /**
   * A clean stop begins: says goodbye on every active link (all at once, within GOODBYE_TIMEOUT_MS),
   * then stops recording closes and refuses new handshakes ('busy'), so the book keeps these peers
   * active and the next start redials them at once.
   */
  async goodbye(reason = 'shutdown'): Promise<void> {
    this.#stopping = true;
    const links = [...this.#active.keys()].flatMap((peerId) => {
      const c = this.activeConnection(peerId);
      return c !== undefined && c.status === 'open' ? [c] : [];
    });
    const timeoutMs = Math.min(GOODBYE_TIMEOUT_MS, this.#o.handshakeTimeoutMs);
    await Promise.allSettled(
      links.map((c) =>
        sendGoodbye(c, reason, timeoutMs, this.#o.clock).catch((err: unknown) =>
          this.#o.logger.debug(
            { peerId: c.remotePeer.toString(), err: describeCause(err) },
            'goodbye not sent',
          ),
        ),
      ),
    );
  }

  /** A peer says goodbye: it is inactive at once and goes to lifesupport (reason `goodbye`). */
  async #farewell(stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString();
    try {
      await readGoodbye(stream, this.#o.handshakeTimeoutMs, (reason) => {
        this.#o.logger.info({ peerId, reason: reason.slice(0, 64) }, 'peer said goodbye');
        if (this.#active.get(peerId) === connection.id) {
          this.#active.delete(peerId);
          this.#o.onInactive(peerId);
        }
        if (!this.#stopping) this.#o.book.goodbye(peerId);
      });
    } catch (err) {
      const kind = strikeKindOf(err); // by the error table: an oversized goodbye strikes
      if (kind !== undefined) this.strike(peerId, kind);
      stream.abort(err instanceof Error ? err : new Error(describeCause(err)));
    }
  }

  /** Shareable listen addresses (loopback included: peers on the same machine use them). */
  addrs(): string[] {
    return this.#o.host
      .getMultiaddrs()
      .map((a) => withoutPeer(a.toString()))
      .filter((a) => isShareable(a, { loopback: true }));
  }

  /** Dials a peer on the given addresses and completes the handshake. */
  async dial(
    peerId: string,
    addresses: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<PeerInfo> {
    const { host, book } = this.#o;
    const existing = this.activeConnection(peerId);
    if (existing !== undefined) return book.get(peerId) ?? this.#fallbackInfo(peerId);
    const addrs = addresses.flatMap((a) => {
      try {
        return [multiaddr(withPeer(a, peerId))];
      } catch {
        return [];
      }
    });
    if (addrs.length === 0) {
      book.dialFailed(peerId, 'no-address');
      throw new MurmurError('MURMUR_DIAL_FAILED', `no usable address for ${peerId}`, { details: { peerId } });
    }
    if (!book.dialStarted(peerId, addresses)) {
      throw new MurmurError('MURMUR_DIAL_FAILED', `${peerId} is refused (purgatory) or already active`, {
        details: { peerId, state: book.stateOf(peerId) },
      });
    }
    this.#pending.add(peerId);
    try {
      const signals = [this.#o.clock.timeout(this.#o.dialTimeoutMs)];
      if (options.signal !== undefined) signals.push(options.signal);
      let connection: Connection;
      try {
        connection = await host.dial(addrs, { signal: AbortSignal.any(signals) });
      } catch (err) {
        book.dialFailed(peerId, 'dial-failed');
        throw new MurmurError('MURMUR_DIAL_FAILED', `cannot dial ${peerId}: ${closeCause(undefined, err)}`, {
          cause: err,
          details: { peerId },
        });
      }
      if (this.#active.get(peerId) === connection.id) return book.get(peerId) ?? this.#fallbackInfo(peerId);
      const running = this.#handshakes.get(connection.id) ?? this.#initiate(connection);
      return await running;
    } finally {
      this.#pending.delete(peerId);
    }
  }

  #fallbackInfo(peerId: string): PeerInfo {
    return { peerId, state: 'active', addresses: [], lastSeen: this.#o.clock.now(), strikes: 0 };
  }

  #local(connection: Connection): HandshakeLocal {
    return {
      networkId: this.#o.networkId,
      overlay: this.#o.overlay,
      protocols: this.#o.protocols,
      addrs: () => this.addrs(),
      wallMs: () => this.#o.clock.now(),
      admit: (remote: PeerId) => {
        if (this.#stopping) return 'busy';
        const current = this.activeConnection(remote.toString());
        if (current !== undefined && current.id !== connection.id && current.status === 'open')
          return 'duplicate';
        return undefined;
      },
    };
  }

  #opened(connection: Connection): void {
    this.#o.metrics.connections.inc();
    const peerId = connection.remotePeer.toString();
    if (this.#o.book.isRefused(peerId)) {
      connection.close().catch(() => {});
      return;
    }
    if (connection.direction === 'outbound') {
      this.#initiate(connection).catch(() => {});
      return;
    }
    // Inbound: the dialler must handshake within the deadline, or the connection is dropped.
    this.#o.clock.setTimeout(() => {
      if (this.#active.get(peerId) !== connection.id && !this.#handshakes.has(connection.id)) {
        connection.close().catch(() => {});
      }
    }, this.#o.handshakeTimeoutMs * 2);
  }

  #initiate(connection: Connection): Promise<PeerInfo> {
    const peerId = connection.remotePeer.toString();
    const run = (async () => {
      if (!this.#active.has(peerId)) this.#o.book.dialStarted(peerId);
      const stream = await connection.newStream([...this.#o.handshakeIds], {
        signal: this.#o.clock.timeout(this.#o.handshakeTimeoutMs),
      });
      this.#o.metrics.negotiated(HANDSHAKE_PROTOCOL, stream.protocol);
      const hello = await initiateHandshake(stream, this.#local(connection), connection.remotePeer, {
        timeoutMs: this.#o.handshakeTimeoutMs,
        onBytes: this.#o.metrics.onBytes(HANDSHAKE_PROTOCOL),
      });
      return this.#activate(connection, hello);
    })().catch((err: unknown) => {
      throw this.#failed(connection, err);
    });
    this.#handshakes.set(connection.id, run);
    run.catch(() => {}).finally(() => this.#handshakes.delete(connection.id));
    return run;
  }

  async #respond(stream: Stream, connection: Connection): Promise<void> {
    this.#o.metrics.negotiated(HANDSHAKE_PROTOCOL, stream.protocol);
    const run = (async () => {
      const hello = await respondHandshake(stream, this.#local(connection), connection.remotePeer, {
        timeoutMs: this.#o.handshakeTimeoutMs,
        onBytes: this.#o.metrics.onBytes(HANDSHAKE_PROTOCOL),
      });
      return this.#activate(connection, hello);
    })().catch((err: unknown) => {
      throw this.#failed(connection, err);
    });
    this.#handshakes.set(connection.id, run);
    await run.catch(() => {});
    this.#handshakes.delete(connection.id);
  }

  #activate(connection: Connection, hello: HelloInfo): PeerInfo {
    const peerId = connection.remotePeer.toString();
    const { book, metrics } = this.#o;
    if (connection.status !== 'open') {
      throw new MurmurError('MURMUR_DIAL_FAILED', `connection to ${peerId} closed during the handshake`);
    }
    const current = this.activeConnection(peerId);
    if (current !== undefined && current.id !== connection.id && current.status === 'open') {
      // Both sides dialled at once: keep the connection dialled by the smaller peer id (both agree).
      const self = this.#o.host.peerId.toString();
      const dialer = connection.direction === 'outbound' ? self : peerId;
      const smaller = [self, peerId].sort()[0];
      const keepNew = dialer === smaller;
      const drop = keepNew ? current : connection;
      if (!keepNew) {
        connection.close().catch(() => {});
        return book.get(peerId) ?? this.#fallbackInfo(peerId);
      }
      this.#active.set(peerId, connection.id);
      drop.close().catch(() => {});
    }
    const overlay = toHex(hello.overlay);
    if (!book.handshakeDone(peerId, overlay, hello.addrs)) {
      connection.close().catch(() => {});
      throw new MurmurError('MURMUR_HANDSHAKE_REFUSED', `${peerId} is in purgatory`, {
        details: { reason: 'purgatory', by: 'local', peerId },
      });
    }
    this.#active.set(peerId, connection.id);
    metrics.handshakes.inc();
    if (hello.wallMs !== undefined) this.clockOffset.observe(peerId, hello.wallMs, this.#o.clock.now());
    this.#o.onActive(peerId, hello, connection);
    return book.get(peerId) ?? this.#fallbackInfo(peerId);
  }

  /** Classifies a handshake failure, updates book and metrics, closes the connection; returns the error. */
  #failed(connection: Connection, err: unknown): MurmurError {
    const peerId = connection.remotePeer.toString();
    const { book, metrics, logger } = this.#o;
    const e =
      isMurmurError(err) && err.code !== 'MURMUR_STREAM_CLOSED'
        ? err
        : new MurmurError(
            'MURMUR_DIAL_FAILED',
            `handshake with ${peerId} failed: ${closeCause(connection, err)}`,
            {
              cause: err,
              details: { peerId },
            },
          );
    logger.debug({ peerId, code: e.code, err: e.message }, 'handshake failed');
    if (e.code === 'MURMUR_HANDSHAKE_REFUSED') {
      const reason = e.details?.reason as RefusalReason;
      const by = e.details?.by as 'local' | 'remote';
      metrics.refused(reason, by);
      if (PURGATORY_REASONS.has(reason)) book.refused(peerId, `refused: ${reason}`);
      else if (reason !== 'duplicate' && reason !== 'self') book.dialFailed(peerId, `refused: ${reason}`);
    } else if (strikeKindOf(e) !== undefined) {
      // garbage on the handshake (the table's kind): one strike per connection
      const kind = strikeKindOf(e)!;
      metrics.strike(kind);
      book.misbehaved(peerId, kind);
      if (!this.#active.has(peerId)) book.dialFailed(peerId, `handshake: ${kind}`);
    } else if (!this.#active.has(peerId)) {
      book.dialFailed(peerId, e.code === 'MURMUR_TIMEOUT' ? 'handshake-timeout' : 'handshake-failed');
    }
    if (this.#active.get(peerId) !== connection.id) connection.close().catch(() => {});
    return e;
  }

  #closed(connection: Connection): void {
    this.#o.metrics.connections.dec();
    const peerId = connection.remotePeer.toString();
    if (this.#active.get(peerId) !== connection.id) return;
    this.#active.delete(peerId);
    this.clockOffset.forget(peerId);
    this.#o.onInactive(peerId);
    if (!this.#stopping) this.#o.book.disconnected(peerId, 'disconnected');
  }

  /** Strike against a peer for misbehaviour on another protocol; closes it when it lands in purgatory. */
  strike(peerId: string, kind: string): void {
    this.#o.metrics.strike(kind);
    this.#o.book.misbehaved(peerId, kind);
    if (this.#o.book.isRefused(peerId)) {
      for (const c of this.#o.host.getConnections(peerIdFromString(peerId))) c.close().catch(() => {});
    }
  }
}

/** The cause of a failed dial or handshake; a connection the remote closed meanwhile is said so. */
function closeCause(connection: Connection | undefined, err: unknown): string {
  const cause = describeCause(err);
  if (connection?.status === 'open' && !/EOF|closed|reset/i.test(cause)) return cause;
  if (connection === undefined && !/EOF|closed|reset/i.test(cause)) return cause;
  return `${cause} (the remote closed the connection: it may be refusing this node, e.g. holding it in purgatory)`;
}
