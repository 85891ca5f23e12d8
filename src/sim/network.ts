import { VirtualClock } from '../clock/index.ts';
import { Rng } from './rng.ts';

/**
 * Receives one message: the sender's id, the payload bytes and, for a message sent as an in-process
 * value (no encoding on the bus), that value.
 */
export type SimHandler = (from: string, payload: Uint8Array, value?: unknown) => void;

export interface SimNetworkOptions {
  /** Seed of the PRNG (loss, jitter, and whatever nodes draw from `network.rng`). Default 1. */
  seed?: number;
  /** One-way latency in virtual ms. Default 20. */
  latencyMs?: number;
  /** Uniform extra latency 0..jitterMs. Default 10. */
  jitterMs?: number;
  /** Probability that a message is lost, 0..1. Default 0. */
  loss?: number;
  clock?: VirtualClock;
}

export interface ProtocolStats {
  sent: number;
  delivered: number;
  dropped: number;
  bytes: number;
}

/**
 * A deterministic in-process message bus: nodes register handlers per protocol name and send bytes to
 * each other by id. Delivery happens on the virtual clock after latency + jitter; messages can be lost
 * (probability), blocked by partitions, or dropped because the receiver is down. Same seed, same run.
 */
export class SimNetwork {
  readonly clock: VirtualClock;
  readonly rng: Rng;
  latencyMs: number;
  jitterMs: number;
  loss: number;
  readonly #handlers = new Map<string, Map<string, SimHandler>>();
  readonly #group = new Map<string, number>();
  readonly #stats = new Map<string, ProtocolStats>();

  constructor(options: SimNetworkOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.rng = new Rng(options.seed ?? 1);
    this.latencyMs = options.latencyMs ?? 20;
    this.jitterMs = options.jitterMs ?? 10;
    this.loss = options.loss ?? 0;
  }

  /** Brings a node up (it can then register handlers and receive). */
  addNode(id: string): void {
    if (!this.#handlers.has(id)) this.#handlers.set(id, new Map());
  }

  /** Takes a node down: messages in flight to it and later ones are dropped. */
  removeNode(id: string): void {
    this.#handlers.delete(id);
    this.#group.delete(id);
  }

  isUp(id: string): boolean {
    return this.#handlers.has(id);
  }

  nodes(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Registers the handler of `protocol` on node `id`. */
  handle(id: string, protocol: string, handler: SimHandler): void {
    this.addNode(id);
    this.#handlers.get(id)!.set(protocol, handler);
  }

  /**
   * Sends; returns false when the message is lost or blocked at once (it may still be dropped later).
   * `value`, when given, is handed to the receiver as is (the simulator skips encoding where the node
   * would only encode and decode a trusted structure); `sizeBytes` is then what it counts as sent.
   */
  send(
    from: string,
    to: string,
    protocol: string,
    payload: Uint8Array,
    value?: unknown,
    sizeBytes = payload.length,
  ): boolean {
    const stats = this.#statsOf(protocol);
    stats.sent++;
    stats.bytes += sizeBytes;
    if (!this.isUp(from) || !this.reachable(from, to) || this.rng.chance(this.loss)) {
      stats.dropped++;
      return false;
    }
    const delay = this.latencyMs + (this.jitterMs > 0 ? this.rng.next() * this.jitterMs : 0);
    this.clock.setTimeout(() => {
      const handler = this.#handlers.get(to)?.get(protocol);
      if (handler === undefined || !this.reachable(from, to)) {
        stats.dropped++;
        return;
      }
      stats.delivered++;
      handler(from, payload, value);
    }, delay);
    return true;
  }

  /** Splits the nodes into groups that cannot reach each other; nodes not listed form group 0. */
  partition(groups: readonly (readonly string[])[]): void {
    this.#group.clear();
    groups.forEach((ids, i) => {
      for (const id of ids) this.#group.set(id, i + 1);
    });
  }

  /** Removes every partition. */
  heal(): void {
    this.#group.clear();
  }

  reachable(a: string, b: string): boolean {
    return (this.#group.get(a) ?? 0) === (this.#group.get(b) ?? 0);
  }

  /** Counters per protocol name. */
  stats(): Record<string, ProtocolStats> {
    return Object.fromEntries([...this.#stats].map(([k, v]) => [k, { ...v }]));
  }

  /** Counters over all protocols. */
  totals(): ProtocolStats {
    const t: ProtocolStats = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };
    for (const s of this.#stats.values()) {
      t.sent += s.sent;
      t.delivered += s.delivered;
      t.dropped += s.dropped;
      t.bytes += s.bytes;
    }
    return t;
  }

  #statsOf(protocol: string): ProtocolStats {
    let s = this.#stats.get(protocol);
    if (s === undefined) {
      s = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };
      this.#stats.set(protocol, s);
    }
    return s;
  }
}
