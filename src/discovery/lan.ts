import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { type HbbpListener, listen, send } from '../hbbp/socket.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { decodeAnnounce, encodeAnnounce } from './announce.ts';

export interface LanDiscoveryOptions {
  iface: string;
  /** HBBP key, `murmur/announce/<networkId>`. */
  key: string;
  /** Own peer id. */
  peerId: string;
  /** Current shareable addresses. */
  addrs: () => string[];
  intervalMs: number;
  /** The announce timer runs on it (default: the system clock; unref'd there). */
  clock?: Clock;
  onPeer: (peerId: string, addrs: string[]) => void;
  /** Every other datagram heard on this listener, so services can share the node's one HBBP socket. */
  onOther?: (msg: { key: string; payload: Uint8Array; from: string }) => void;
  /** HBBP port / destination override (tests). */
  port?: number;
  address?: string;
  logger?: Logger;
}

/**
 * LAN discovery over HBBP: announces {peerId, addrs} on the link at start and every intervalMs, and
 * reports every other node heard. Bad datagrams are dropped and logged at debug.
 */
export class LanDiscovery {
  readonly #o: LanDiscoveryOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  #listener: HbbpListener | undefined;
  #timer: TimerHandle | undefined;
  #abort = new AbortController();

  constructor(options: LanDiscoveryOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
  }

  async start(): Promise<void> {
    this.#abort = new AbortController();
    const listenOpts: Parameters<typeof listen>[0] = {
      iface: this.#o.iface,
      onMessage: (m) => {
        if (m.key !== this.#o.key) {
          this.#o.onOther?.({ key: m.key, payload: m.payload, from: m.from.address });
          return;
        }
        this.#heard(m.payload);
      },
      signal: this.#abort.signal,
      logger: this.#log,
    };
    if (this.#o.port !== undefined) listenOpts.port = this.#o.port;
    this.#listener = await listen(listenOpts);
    this.announce();
    this.#timer = this.#clock.setInterval(() => this.announce(), this.#o.intervalMs);
  }

  async stop(): Promise<void> {
    this.#clock.clearInterval(this.#timer);
    this.#abort.abort();
    const l = this.#listener as { close?: () => unknown } | undefined;
    await Promise.resolve(l?.close?.()).catch(() => {});
    this.#listener = undefined;
  }

  announce(): void {
    const payload = encodeAnnounce({ peerId: this.#o.peerId, addrs: this.#o.addrs() });
    const opts: Parameters<typeof send>[0] = { iface: this.#o.iface, key: this.#o.key, payload };
    if (this.#o.port !== undefined) opts.port = this.#o.port;
    if (this.#o.address !== undefined) opts.address = this.#o.address;
    send(opts).catch((err: unknown) => this.#log.debug({ err }, 'hbbp announce failed'));
  }

  #heard(payload: Uint8Array): void {
    try {
      const a = decodeAnnounce(payload);
      if (a.peerId === this.#o.peerId) return;
      this.#o.onPeer(a.peerId, a.addrs);
    } catch (err) {
      this.#log.debug({ err }, 'dropped a bad announcement');
    }
  }
}
