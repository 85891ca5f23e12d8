import type { Clock, TimerHandle } from '../../clock/index.ts';
import type { Logger } from '../../log/index.ts';
import type { FrameChannel } from '../../streamer/channel.ts';
import { encodeBundle } from '../codec.ts';
import { fromHex } from '../keys.ts';
import type { Tree } from '../tree.ts';
import { bundlesFor } from './sync.ts';
import { encodePush } from './wire.ts';

/** Pending pushes per peer beyond which new ones are dropped (anti-entropy repairs them). */
const MAX_PENDING = 64;

interface Outbound {
  channel: Promise<FrameChannel> | null;
  tail: Promise<void>;
  pending: number;
}

export interface PusherOptions {
  dial: (peerId: string) => Promise<FrameChannel>;
  peers: () => readonly { peerId: string; po: number }[];
  /** Peers each batch goes to (0 = every connected peer). */
  fanout: number;
  tree: (rootHex: string) => Tree | undefined;
  batchMs: number;
  /** Timers of the batch delay (the service's `ctx.clock`). */
  clock: Clock;
  logger: Logger;
}

/**
 * Pushes newly stored records at once (batched for `batchMs`) to at most `fanout` connected peers
 * other than the one they came from: the closest half by proximity order, the rest at random. Each
 * receiver that stores something new pushes it on the same way, so a write spreads like gossip;
 * a receiver that already holds a record stores nothing and pushes nothing, so the flood stops at
 * duplicates, and a node that no push reached is repaired by anti-entropy (root-hash announcements
 * and reconciliation). One long-lived push stream per peer, frames sent in order.
 */
export class Pusher {
  readonly #o: PusherOptions;
  readonly #out = new Map<string, Outbound>();
  /** tree hex → source peer ('' = local) → record id hexes. */
  #batch = new Map<string, Map<string, Set<string>>>();
  #timer: TimerHandle | null = null;
  #stopped = false;
  #flushing: Promise<void> = Promise.resolve();
  readonly stats = { frames: 0, bytes: 0, dropped: 0, failed: 0 };

  constructor(options: PusherOptions) {
    this.#o = options;
  }

  /** Queues records of `tree` (from `source`, or '' for local writes) for the next push. */
  add(treeHex: string, source: string, idHexes: Iterable<string>): void {
    if (this.#stopped) return;
    let bySource = this.#batch.get(treeHex);
    if (bySource === undefined) {
      bySource = new Map();
      this.#batch.set(treeHex, bySource);
    }
    let ids = bySource.get(source);
    if (ids === undefined) {
      ids = new Set();
      bySource.set(source, ids);
    }
    for (const h of idHexes) ids.add(h);
    if (this.#timer === null) {
      this.#timer = this.#o.clock.setTimeout(() => this.#flush(), this.#o.batchMs);
    }
  }

  /** Closes a peer's push stream (peer gone). */
  drop(peerId: string): void {
    const o = this.#out.get(peerId);
    this.#out.delete(peerId);
    o?.channel?.then((ch) => ch.close()).catch(() => {});
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    for (const p of [...this.#out.keys()]) this.drop(p);
  }

  #flush(): void {
    this.#timer = null;
    const batch = this.#batch;
    this.#batch = new Map();
    this.#flushing = this.#flushing
      .then(() => this.#push(batch))
      .catch((err: unknown) => this.#o.logger.debug({ err }, 'tree push batch failed'));
  }

  async #push(batch: Map<string, Map<string, Set<string>>>): Promise<void> {
    for (const [treeHex, bySource] of batch) {
      const tree = this.#o.tree(treeHex);
      if (tree === undefined) continue;
      const root = fromHex(treeHex, 32);
      for (const [source, ids] of bySource) {
        const frames: Uint8Array[] = [];
        for await (const b of bundlesFor(
          tree,
          [...ids].map((h) => fromHex(h, 32)),
        ))
          frames.push(encodePush(root, encodeBundle(b)));
        if (this.#stopped) return;
        for (const peer of pickPeers(this.#o.peers(), source, this.#o.fanout))
          for (const f of frames) this.#send(peer, f);
      }
    }
  }

  #send(peerId: string, frame: Uint8Array): void {
    let o = this.#out.get(peerId);
    if (o === undefined) {
      o = { channel: null, tail: Promise.resolve(), pending: 0 };
      this.#out.set(peerId, o);
    }
    if (o.pending >= MAX_PENDING) {
      this.stats.dropped++;
      return;
    }
    const out = o;
    out.pending++;
    out.tail = out.tail
      .then(async () => {
        if (this.#stopped) return;
        if (out.channel === null) out.channel = this.#o.dial(peerId);
        const ch = await out.channel;
        await ch.send(frame);
        this.stats.frames++;
        this.stats.bytes += frame.length;
      })
      .catch((err: unknown) => {
        this.stats.failed++;
        this.#o.logger.debug({ peer: peerId, err }, 'tree push failed');
        out.channel?.then((ch) => ch.close()).catch(() => {});
        out.channel = null;
      })
      .finally(() => {
        out.pending--;
      });
  }
}

/**
 * Up to `fanout` peers other than `source` (all when fanout ≤ 0 or not more connected): the
 * ⌈fanout/2⌉ closest by proximity order, then the rest picked at random among the others.
 */
export function pickPeers(
  peers: readonly { peerId: string; po: number }[],
  source: string,
  fanout: number,
  random: () => number = Math.random,
): string[] {
  const others = peers.filter((p) => p.peerId !== source);
  if (fanout <= 0 || others.length <= fanout) return others.map((p) => p.peerId);
  others.sort((a, b) => b.po - a.po);
  const close = Math.ceil(fanout / 2);
  const out = others.slice(0, close).map((p) => p.peerId);
  const rest = others.slice(close);
  for (let i = 0; out.length < fanout; i++) {
    const j = i + Math.floor(random() * (rest.length - i));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    out.push(rest[i]!.peerId);
  }
  return out;
}
