import type { TimerHandle } from '../../clock/index.ts';
import type { Logger } from '../../log/index.ts';
import type { ServiceContext } from '../../service/context.ts';
import { strikeFor } from '../../service/strikes.ts';
import { bytesEqual, toHex } from '../keys.ts';
import type { Tree } from '../tree.ts';
import {
  ANNOUNCE_PROTOCOL,
  LAN_KEY_PREFIX,
  MAX_ANNOUNCE_BYTES,
  MAX_ANNOUNCES_PER_STREAM,
  SYNC_IDLE_MS,
} from './constants.ts';
import { decodeAnnounce, encodeAnnounce } from './wire.ts';

export interface AnnouncerOptions {
  ctx: ServiceContext;
  trees: () => Tree[];
  /** A peer holds a different version of a tree we hold. */
  onDiffer: (peerId: string, rootHex: string) => void;
  debounceMs: number;
  antiEntropyMs: number;
  logger: Logger;
}

/**
 * Root-hash announcements: to a peer when it becomes active, to every peer after writes
 * (debounced) and every `antiEntropyMs`, and on the LAN over HBBP when the node has an interface.
 * One small frame per tree; an equal hash costs nothing more.
 */
export class Announcer {
  readonly #o: AnnouncerOptions;
  readonly #changed = new Set<string>();
  #debounce: TimerHandle | null = null;
  #periodic: TimerHandle | null = null;
  #unsubscribeLan: (() => void) | null = null;
  #stopped = false;
  readonly stats = { sent: 0, received: 0, differing: 0, lanSent: 0, lanReceived: 0 };

  constructor(options: AnnouncerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const { ctx } = this.#o;
    await ctx.handle(
      ANNOUNCE_PROTOCOL,
      async (ch, peer) => {
        let n = 0;
        try {
          for await (const frame of ch) {
            if (++n > MAX_ANNOUNCES_PER_STREAM) break;
            this.#received(peer.peerId, frame);
          }
        } catch (err) {
          strikeFor(ctx, peer.peerId, err); // by the error table: a malformed announcement strikes
          throw err;
        }
        ch.close();
      },
      { maxMessageBytes: MAX_ANNOUNCE_BYTES, idleTimeoutMs: SYNC_IDLE_MS },
    );
    this.#periodic = ctx.clock.setInterval(() => this.announceAll(), this.#o.antiEntropyMs);
    this.#unsubscribeLan =
      ctx.lan?.subscribe(LAN_KEY_PREFIX, (msg) => {
        this.stats.lanReceived++;
        const peerId = msg.key.slice(LAN_KEY_PREFIX.length).split('/')[1];
        if (peerId === undefined || !ctx.peers().some((p) => p.peerId === peerId)) return;
        try {
          this.#received(peerId, msg.payload);
        } catch {
          // a bad LAN datagram is dropped (HBBP authenticates senders; nothing to strike by peer id)
        }
      }) ?? null;
  }

  stop(): void {
    this.#stopped = true;
    const { clock } = this.#o.ctx;
    if (this.#debounce !== null) clock.clearTimeout(this.#debounce);
    if (this.#periodic !== null) clock.clearInterval(this.#periodic);
    this.#unsubscribeLan?.();
    this.#debounce = this.#periodic = null;
  }

  /** A tree changed: announce it to every peer after the debounce delay. */
  changed(rootHex: string): void {
    if (this.#stopped) return;
    this.#changed.add(rootHex);
    if (this.#debounce !== null) return;
    this.#debounce = this.#o.ctx.clock.setTimeout(() => {
      this.#debounce = null;
      const roots = [...this.#changed];
      this.#changed.clear();
      for (const p of this.#o.ctx.peers()) this.announceTo(p.peerId, roots);
      this.#lan(roots);
    }, this.#o.debounceMs);
  }

  announceAll(): void {
    if (this.#stopped) return;
    for (const p of this.#o.ctx.peers()) this.announceTo(p.peerId);
    this.#lan();
  }

  /** Sends the root hash of the given trees (default all held) to one peer on a new stream. */
  announceTo(peerId: string, roots?: readonly string[]): void {
    if (this.#stopped) return;
    const frames = this.#frames(roots);
    if (frames.length === 0) return;
    void (async () => {
      const ch = await this.#o.ctx.dial(peerId, ANNOUNCE_PROTOCOL, {
        maxMessageBytes: MAX_ANNOUNCE_BYTES,
        idleTimeoutMs: SYNC_IDLE_MS,
      });
      try {
        for (const f of frames) await ch.send(f);
        this.stats.sent += frames.length;
      } finally {
        ch.close();
      }
    })().catch((err: unknown) => this.#o.logger.debug({ peer: peerId, err }, 'tree announce failed'));
  }

  #frames(roots?: readonly string[]): Uint8Array[] {
    const wanted = roots === undefined ? null : new Set(roots);
    return this.#o
      .trees()
      .filter((t) => wanted === null || wanted.has(t.rootHex))
      .map((t) => encodeAnnounce({ tree: t.root, rootHash: t.rootHash(), count: t.state.fingerprint.count }));
  }

  #lan(roots?: readonly string[]): void {
    const lan = this.#o.ctx.lan;
    if (lan === undefined) return;
    const wanted = roots === undefined ? null : new Set(roots);
    for (const t of this.#o.trees()) {
      if (wanted !== null && !wanted.has(t.rootHex)) continue;
      const payload = encodeAnnounce({
        tree: t.root,
        rootHash: t.rootHash(),
        count: t.state.fingerprint.count,
      });
      this.stats.lanSent++;
      lan
        .send(`${LAN_KEY_PREFIX}${t.rootHex}/${this.#o.ctx.peerId}`, payload)
        .catch((err: unknown) => this.#o.logger.debug({ err }, 'tree LAN announce failed'));
    }
  }

  /** Decodes one announcement (throws MURMUR_TREE_MALFORMED: the handler strikes) and compares. */
  #received(peerId: string, frame: Uint8Array): void {
    const a = decodeAnnounce(frame);
    this.stats.received++;
    const hex = toHex(a.tree);
    const tree = this.#o.trees().find((t) => t.rootHex === hex);
    if (tree === undefined || bytesEqual(tree.rootHash(), a.rootHash)) return;
    this.stats.differing++;
    this.#o.onDiffer(peerId, hex);
  }
}
