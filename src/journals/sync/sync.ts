import '../codes.ts';
import { type Clock, systemClock, type TimerHandle } from '../../clock/index.ts';
import { isMurmurError, strikeKindOf } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import type { FrameChannel } from '../../streamer/channel.ts';
import { CATALOGUE_INTERVAL_MS, PEER_BACKOFF_MS, STALL_TIMEOUT_MS, STREAM_NAME } from '../constants.ts';
import { isJournalId, type JournalId } from '../id.ts';
import type { Journals } from '../journals.ts';
import { type CatalogueEntry, requestCatalogue, serveCatalogue } from './catalogue.ts';
import { JournalConsumer, JournalProvider } from './provider.ts';
import type { ProviderFactory, Stream, StreamerSession } from './session.ts';

/** Which journals a node follows: every one its peers hold, a fixed list, or only those asked for. */
export type FollowPolicy = { mode: 'all' } | { mode: 'list'; journals: JournalId[] } | { mode: 'on-demand' };

/** What the node gives the sync manager per connected peer. */
export interface PeerHandle {
  /** The long-lived streamer session with the peer (its providers include providers()). */
  session: StreamerSession;
  /** Opens a fresh channel to the peer's catalogue handler (a new libp2p stream in the node). */
  dialCatalogue: (options: { signal?: AbortSignal }) => Promise<FrameChannel>;
}

export interface JournalSyncOptions {
  journals: Journals;
  policy?: FollowPolicy;
  catalogueIntervalMs?: number;
  stallTimeoutMs?: number;
  backoffMs?: number;
  /** A peer sent a forged / reordered / forked / oversized item (the node scores it down). */
  onPenalty?: (peer: string, code: string, journal: JournalId) => void;
  /** Time of stalls and backoffs, and the catalogue and stall timers (default `systemClock`). */
  clock?: Clock;
  /** A catalogue exchange with a peer failed (the caller strikes misbehaviour by the error table). */
  onMisbehaviour?: (peer: string, err: unknown) => void;
  logger?: Logger;
}

interface Sub {
  peer: string;
  session: StreamerSession;
  consumer: JournalConsumer;
  lastProgress: number;
}

const streamOf = (id: JournalId): Stream => ({ name: STREAM_NAME, key: id, live: true });

/**
 * Journal sync: reads peers' catalogues, subscribes each followed journal to the best peer from its
 * own verified head + 1 (catch-up, then live, over the peer's streamer session), and moves the
 * subscription to another peer when the current one stalls, misbehaves or goes away. The verified
 * head is persisted atomically with the events, so a restart resumes exactly after the last
 * verified event.
 */
export class JournalSync {
  readonly stats = { accepted: 0, faults: 0, stalls: 0, subscriptions: 0, catalogueErrors: 0 };
  readonly #journals: Journals;
  readonly #policy: FollowPolicy;
  readonly #catalogueMs: number;
  readonly #stallMs: number;
  readonly #backoffMs: number;
  readonly #onPenalty: JournalSyncOptions['onPenalty'];
  readonly #clock: Clock;
  readonly #onMisbehaviour: JournalSyncOptions['onMisbehaviour'];
  readonly #log: Logger;
  readonly #peers = new Map<string, PeerHandle>();
  readonly #catalogues = new Map<string, Map<JournalId, CatalogueEntry>>();
  readonly #subs = new Map<JournalId, Sub>();
  readonly #backoff = new Map<string, number>();
  readonly #followed = new Set<JournalId>();
  readonly #stop = new AbortController();
  #timers: TimerHandle[] = [];
  #evaluating: Promise<void> = Promise.resolve();

  constructor(options: JournalSyncOptions) {
    this.#journals = options.journals;
    this.#policy = options.policy ?? { mode: 'all' };
    this.#catalogueMs = options.catalogueIntervalMs ?? CATALOGUE_INTERVAL_MS;
    this.#stallMs = options.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    this.#backoffMs = options.backoffMs ?? PEER_BACKOFF_MS;
    this.#onPenalty = options.onPenalty;
    this.#clock = options.clock ?? systemClock;
    this.#onMisbehaviour = options.onMisbehaviour;
    this.#log = options.logger ?? silentLogger;
    if (this.#policy.mode === 'list') for (const j of this.#policy.journals) this.#followed.add(j);
  }

  /** Streamer providers to register in every session: any journal held here is served. */
  providers(): Record<string, ProviderFactory> {
    const store = this.#journals.store;
    return {
      [STREAM_NAME]: (_peer, stream) =>
        isJournalId(stream.key) && store.has(stream.key) ? new JournalProvider(store, stream.key) : undefined,
    };
  }

  /** Answers one catalogue request on a channel opened by a peer. */
  async serveCatalogue(
    channel: FrameChannel,
    options: { signal?: AbortSignal; peer?: string } = {},
  ): Promise<void> {
    const { peer, ...rest } = options;
    try {
      await serveCatalogue(channel, this.#journals.store, { ...rest, clock: this.#clock });
    } catch (err) {
      this.#log.debug({ peer, err }, 'journals: catalogue request failed');
      if (peer !== undefined) this.#onMisbehaviour?.(peer, err);
    }
  }

  start(): void {
    const every = (ms: number, fn: () => unknown): void => {
      this.#timers.push(this.#clock.setInterval(fn, ms));
    };
    every(this.#catalogueMs, () => void this.refresh());
    every(Math.max(20, Math.floor(this.#stallMs / 4)), () => this.#checkStalls());
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    for (const t of this.#timers) this.#clock.clearInterval(t);
    this.#timers = [];
    for (const id of [...this.#subs.keys()]) this.#drop(id);
    await this.#evaluating.catch(() => {});
  }

  /** A peer connected: read its catalogue and (re)assign subscriptions. */
  async addPeer(peer: string, handle: PeerHandle): Promise<void> {
    this.#peers.set(peer, handle);
    await this.#fetch(peer);
    await this.evaluate();
  }

  /** A peer went away: its subscriptions move to other peers. */
  async removePeer(peer: string): Promise<void> {
    this.#peers.delete(peer);
    this.#catalogues.delete(peer);
    for (const [id, sub] of this.#subs) if (sub.peer === peer) this.#drop(id);
    await this.evaluate();
  }

  /** Follows a journal (on demand, e.g. when a client subscribes to it). */
  async follow(id: JournalId): Promise<void> {
    this.#followed.add(id);
    if (!this.#journals.isOwn(id)) await this.#journals.store.ensure(id);
    await this.evaluate();
  }

  unfollow(id: JournalId): void {
    this.#followed.delete(id);
    this.#drop(id);
  }

  /** Re-reads every peer's catalogue, then re-evaluates (also runs on a timer). */
  async refresh(): Promise<void> {
    await Promise.all([...this.#peers.keys()].map((p) => this.#fetch(p)));
    await this.evaluate();
  }

  /** Current subscriptions: journal → peer, the verified head and the highest head peers advertise. */
  status(): { journal: JournalId; peer: string | undefined; head: number; advertised: number }[] {
    return this.#wanted().map((journal) => ({
      journal,
      peer: this.#subs.get(journal)?.peer,
      head: this.#journals.store.info(journal)?.head ?? 0,
      advertised: this.#advertised(journal),
    }));
  }

  /** Peers currently known to the sync manager. */
  peers(): string[] {
    return [...this.#peers.keys()];
  }

  async #fetch(peer: string): Promise<void> {
    const handle = this.#peers.get(peer);
    if (!handle || this.#stop.signal.aborted) return;
    const asked = this.#policy.mode === 'all' ? [] : [...this.#followed];
    if (this.#policy.mode !== 'all' && asked.length === 0) return;
    try {
      const channel = await handle.dialCatalogue({ signal: this.#stop.signal });
      const entries = await requestCatalogue(channel, asked, {
        signal: this.#stop.signal,
        clock: this.#clock,
      });
      this.#catalogues.set(peer, new Map(entries.map((e) => [e.journal, e])));
    } catch (err) {
      this.stats.catalogueErrors++;
      this.#log.debug({ peer, err }, 'journals: catalogue fetch failed');
      this.#onMisbehaviour?.(peer, err);
    }
  }

  #wanted(): JournalId[] {
    const ids = new Set(this.#followed);
    if (this.#policy.mode === 'all')
      for (const c of this.#catalogues.values()) for (const id of c.keys()) ids.add(id);
    return [...ids].filter((id) => !this.#journals.isOwn(id)).sort();
  }

  /** Assigns every followed journal without a subscription to the best peer (serialised). */
  evaluate(): Promise<void> {
    this.#evaluating = this.#evaluating
      .then(() => this.#evaluate())
      .catch((err) => {
        this.#log.warn({ err }, 'journals: sync evaluation failed');
      });
    return this.#evaluating;
  }

  async #evaluate(): Promise<void> {
    for (const id of this.#wanted()) {
      if (this.#stop.signal.aborted) return;
      if (this.#subs.has(id)) continue;
      const info = await this.#journals.store.ensure(id);
      const peer = this.#best(id, info.head);
      if (!peer) continue;
      await this.#subscribe(id, peer, info.head);
    }
  }

  #best(id: JournalId, head: number): string | undefined {
    const now = this.#clock.now();
    let best: { peer: string; to: number } | undefined;
    for (const [peer, cat] of this.#catalogues) {
      const e = cat.get(id);
      if (!e || !this.#peers.has(peer) || (this.#backoff.get(`${peer}|${id}`) ?? 0) > now) continue;
      const canServe = e.from <= head + 1 || e.snapshot >= head + 1;
      if (!canServe || e.to < head) continue;
      if (!best || e.to > best.to) best = { peer, to: e.to };
    }
    return best?.peer;
  }

  #advertised(id: JournalId): number {
    let to = 0;
    for (const c of this.#catalogues.values()) to = Math.max(to, c.get(id)?.to ?? 0);
    return to;
  }

  async #subscribe(id: JournalId, peer: string, head: number): Promise<void> {
    const handle = this.#peers.get(peer)!;
    const sub: Sub = {
      peer,
      session: handle.session,
      consumer: undefined as never,
      lastProgress: this.#clock.now(),
    };
    sub.consumer = new JournalConsumer({
      store: this.#journals.store,
      id,
      onProgress: (n) => {
        sub.lastProgress = this.#clock.now();
        this.stats.accepted += n;
      },
      onFault: (err) => this.#fault(id, sub, err),
      onEnded: (err) => this.#ended(id, sub, err),
    });
    this.#subs.set(id, sub);
    this.stats.subscriptions++;
    try {
      await handle.session.subscribe(streamOf(id), { from: BigInt(head + 1), consumer: sub.consumer });
      this.#log.debug({ id, peer, from: head + 1 }, 'journals: subscribed');
    } catch (err) {
      // the session is gone: forget the peer until it is added again
      this.#log.debug({ id, peer, err }, 'journals: subscribe failed');
      if (this.#subs.get(id) === sub) this.#subs.delete(id);
      this.#peers.delete(peer);
      this.#catalogues.delete(peer);
    }
  }

  #fault(id: JournalId, sub: Sub, err: unknown): void {
    const code = isMurmurError(err) ? err.code : 'MURMUR_IO';
    // the peer's fault when the error table gives the code a strike kind; our own store failing is not
    if (strikeKindOf(code) !== undefined) {
      this.stats.faults++;
      this.#log.info({ id, peer: sub.peer, code }, 'journals: peer sent an invalid item');
      this.#onPenalty?.(sub.peer, code, id);
    } else {
      this.#log.warn({ id, peer: sub.peer, err }, 'journals: cannot store an item');
    }
    this.#routeAround(id, sub);
  }

  /** The streamer ended the subscription: session closed (forget that session) or stream refused. */
  #ended(id: JournalId, sub: Sub, err: unknown): void {
    if (this.#subs.get(id) !== sub) return;
    this.#subs.delete(id);
    if (isMurmurError(err, 'MURMUR_STREAMER_CLOSED')) {
      if (this.#peers.get(sub.peer)?.session === sub.session) {
        this.#peers.delete(sub.peer);
        this.#catalogues.delete(sub.peer);
      }
    } else {
      this.#backoff.set(`${sub.peer}|${id}`, this.#clock.now() + this.#backoffMs);
    }
    this.#log.debug({ id, peer: sub.peer, err }, 'journals: subscription ended by the streamer');
    if (!this.#stop.signal.aborted) void this.evaluate();
  }

  #routeAround(id: JournalId, sub: Sub): void {
    this.#backoff.set(`${sub.peer}|${id}`, this.#clock.now() + this.#backoffMs);
    if (this.#subs.get(id) === sub) this.#drop(id);
    void this.evaluate();
  }

  #drop(id: JournalId): void {
    const sub = this.#subs.get(id);
    if (!sub) return;
    this.#subs.delete(id);
    sub.consumer.dead = true;
    sub.session.unsubscribe(streamOf(id)).catch(() => {});
  }

  #checkStalls(): void {
    const now = this.#clock.now();
    for (const [id, sub] of this.#subs) {
      const head = this.#journals.store.info(id)?.head ?? 0;
      if (now - sub.lastProgress > this.#stallMs && this.#advertised(id) > head) {
        this.stats.stalls++;
        this.#log.info({ id, peer: sub.peer, head }, 'journals: upstream stalled, moving on');
        this.#routeAround(id, sub);
      }
    }
  }
}
