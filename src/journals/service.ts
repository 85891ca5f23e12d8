import './codes.ts';
import { join } from 'node:path';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { MurmurError } from '../errors/index.ts';
import type { RouteTable } from '../http/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { NodeService, ServiceContext, ServicePeer } from '../service/context.ts';
import { strikeFor } from '../service/strikes.ts';
import { waitOrAbort } from '../service/wait.ts';
import { MAX_MESSAGE_BYTES } from '../streamer/constants.ts';
import {
  CATALOGUE_PROTOCOLS,
  JOURNALS_PROTOCOLS,
  MAX_CATALOGUE_BYTES,
  SESSION_IDLE_MS,
  SESSION_REOPEN_MS,
} from './constants.ts';
import type { JournalEvent } from './event.ts';
import type { JournalId } from './id.ts';
import { Journals, type JsonEvent } from './journals.ts';
import { journalKeyPath, loadOrCreateJournalKey } from './key-file.ts';
import type { Writer } from './keys.ts';
import type { SnapshotPolicy } from './policy.ts';
import { registerJournalRoutes } from './routes.ts';
import { type JournalsMetricsSource, registerJournalsMetrics } from './service-metrics.ts';
import { StreamerSession } from './sync/session.ts';
import { type FollowPolicy, JournalSync } from './sync/sync.ts';

export interface JournalsServiceOptions {
  /** Data folder: the writer key `<dataDir>/journal-key` (created 0600 at first start) and the event logs `<dataDir>/journals/`. */
  dataDir?: string;
  /** Writer key file to use instead (64 hex digits of an Ed25519 seed); must exist. */
  keyFile?: string;
  /** A writer given directly (tests). Without dataDir, keyFile or writer: a fresh key, not kept. */
  writer?: Writer;
  /** Which journals to follow (default all that peers hold). */
  follow?: FollowPolicy;
  catalogueIntervalMs?: number;
  stallTimeoutMs?: number;
  backoffMs?: number;
  autoSnapshot?: SnapshotPolicy;
  /** Idle time of a session stream before it is closed and re-opened (default 10 min). */
  sessionIdleMs?: number;
  /** Delay before re-opening a closed session to a still-active peer (default 1 s). */
  reopenMs?: number;
}

interface Outbound {
  session: StreamerSession;
}

/**
 * The `reason` label of murmur_journals_events_rejected_total, by rejection code. (Whether a rejection
 * strikes the peer, and with which kind, is the error table's: strikeFor.)
 */
const REJECTION_REASON: Record<string, string> = {
  MURMUR_JOURNAL_FORGED: 'forged',
  MURMUR_JOURNAL_GAP: 'gap',
  MURMUR_JOURNAL_FORK: 'fork',
  MURMUR_JOURNAL_TOO_LARGE: 'too_large',
  MURMUR_JOURNAL_BAD_MESSAGE: 'bad_message',
};

/**
 * The `journals` node service: the node's Journals (own journals signed with the journal key),
 * JournalSync over one streamer session per active peer and direction (this node's subscriptions go
 * over the session it dials; the peer's over the one it dials, served here from the same providers),
 * the catalogue protocol, penalties → strikes, `murmur_journals_*` metrics and the /v1/journals routes.
 */
export class JournalsService implements NodeService {
  readonly name = 'journals';
  readonly counters = { appended: 0, rejected: new Map<string, number>() };
  readonly #options: JournalsServiceOptions;
  #ctx: ServiceContext | undefined;
  #journals: Journals | undefined;
  #sync: JournalSync | undefined;
  #log: Logger = silentLogger;
  #stopping = false;
  readonly #outbound = new Map<string, Outbound>();
  readonly #inbound = new Set<StreamerSession>();
  readonly #timers = new Set<TimerHandle>();
  #clock: Clock = systemClock;
  readonly #listeners: (() => void)[] = [];

  constructor(options: JournalsServiceOptions = {}) {
    this.#options = options;
  }

  get journals(): Journals {
    if (!this.#journals) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'journals not started');
    return this.#journals;
  }

  get sync(): JournalSync {
    if (!this.#sync) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'journals not started');
    return this.#sync;
  }

  async #writer(): Promise<Writer | undefined> {
    const o = this.#options;
    if (o.writer) return o.writer;
    if (o.keyFile !== undefined) return loadOrCreateJournalKey(o.keyFile, { create: false });
    if (o.dataDir !== undefined) return loadOrCreateJournalKey(journalKeyPath(o.dataDir));
    return (await import('./keys.ts')).generateWriter();
  }

  async start(ctx: ServiceContext, _options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#ctx = ctx;
    this.#clock = ctx.clock;
    this.#log = ctx.logger;
    this.#stopping = false;
    const o = this.#options;
    const writer = await this.#writer();
    const journals = new Journals({
      db: ctx.store,
      ...(o.dataDir === undefined ? {} : { dir: join(o.dataDir, 'journals') }),
      ...(writer ? { writer } : {}),
      ...(o.autoSnapshot ? { autoSnapshot: o.autoSnapshot } : {}),
      clock: ctx.clock,
      logger: this.#log,
    });
    await journals.start();
    this.#journals = journals;
    const sync = new JournalSync({
      journals,
      clock: ctx.clock,
      ...(o.follow ? { policy: o.follow } : {}),
      ...(o.catalogueIntervalMs === undefined ? {} : { catalogueIntervalMs: o.catalogueIntervalMs }),
      ...(o.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: o.stallTimeoutMs }),
      ...(o.backoffMs === undefined ? {} : { backoffMs: o.backoffMs }),
      onPenalty: (peer, code) => {
        const reason = REJECTION_REASON[code] ?? 'invalid';
        this.counters.rejected.set(reason, (this.counters.rejected.get(reason) ?? 0) + 1);
        strikeFor(ctx, peer, code);
      },
      onMisbehaviour: (peer, err) => strikeFor(ctx, peer, err),
      logger: this.#log,
    });
    this.#sync = sync;
    registerJournalsMetrics(ctx.metrics, () => (this.#sync ? this.#metricsSource() : undefined));
    const sessionOpts = {
      maxMessageBytes: MAX_MESSAGE_BYTES + 1024,
      idleTimeoutMs: o.sessionIdleMs ?? SESSION_IDLE_MS,
    };
    await ctx.handle(
      JOURNALS_PROTOCOLS,
      (channel, peer) => {
        if (this.#stopping) return channel.close();
        const session = new StreamerSession({
          peer: peer.peerId,
          channel,
          providers: sync.providers(),
          logger: this.#log,
          onBadMessage: (err) => strikeFor(ctx, peer.peerId, err),
          onClose: (s) => this.#inbound.delete(s),
        });
        this.#inbound.add(session);
        session.start();
      },
      sessionOpts,
    );
    await ctx.handle(
      CATALOGUE_PROTOCOLS,
      (channel, peer) => sync.serveCatalogue(channel, { peer: peer.peerId }),
      {
        maxMessageBytes: MAX_CATALOGUE_BYTES + 64,
        idleTimeoutMs: 10_000,
      },
    );
    const onActive = (p: ServicePeer): void => void this.#open(p.peerId);
    const onInactive = ({ peerId }: { peerId: string }): void => void this.#close(peerId);
    this.#listeners.push(ctx.on('peer:active', onActive), ctx.on('peer:inactive', onInactive));
    sync.start();
    if (o.follow?.mode === 'on-demand') {
      // journals held here were followed on demand before a restart: keep following them
      for (const j of journals.list()) if (!journals.isOwn(j.id)) await sync.follow(j.id);
    }
    for (const p of ctx.peers()) void this.#open(p.peerId);
  }

  /** Opens this node's session to a peer and hands it to the sync manager. */
  async #open(peerId: string): Promise<void> {
    const ctx = this.#ctx;
    const sync = this.#sync;
    if (!ctx || !sync || this.#stopping || this.#outbound.has(peerId)) return;
    const entry: Outbound = { session: undefined as never };
    this.#outbound.set(peerId, entry);
    try {
      const channel = await ctx.dial(peerId, JOURNALS_PROTOCOLS, {
        maxMessageBytes: MAX_MESSAGE_BYTES + 1024,
        idleTimeoutMs: this.#options.sessionIdleMs ?? SESSION_IDLE_MS,
      });
      const session = new StreamerSession({
        peer: peerId,
        channel,
        providers: sync.providers(),
        logger: this.#log,
        onBadMessage: (err) => strikeFor(ctx, peerId, err),
        onClose: () => this.#closed(peerId, entry),
      });
      entry.session = session;
      session.start();
      if (this.#stopping) return void session.stop();
      await sync.addPeer(peerId, {
        session,
        dialCatalogue: ({ signal }) =>
          ctx.dial(peerId, CATALOGUE_PROTOCOLS, {
            maxMessageBytes: MAX_CATALOGUE_BYTES + 64,
            idleTimeoutMs: 10_000,
            ...(signal ? { signal } : {}),
          }),
      });
    } catch (err) {
      this.#log.debug({ peer: peerId, err }, 'journals: cannot open a session');
      if (this.#outbound.get(peerId) === entry) this.#outbound.delete(peerId);
      this.#reopenLater(peerId);
    }
  }

  /** A session closed (idle, reset, peer gone): re-open it if the peer is still active. */
  #closed(peerId: string, entry: Outbound): void {
    if (this.#outbound.get(peerId) === entry) this.#outbound.delete(peerId);
    this.#reopenLater(peerId);
  }

  #reopenLater(peerId: string): void {
    if (this.#stopping) return;
    const t = this.#clock.setTimeout(() => {
      this.#timers.delete(t);
      if (this.#ctx?.peers().some((p) => p.peerId === peerId)) void this.#open(peerId);
    }, this.#options.reopenMs ?? SESSION_REOPEN_MS);
    this.#timers.add(t);
  }

  async #close(peerId: string): Promise<void> {
    const entry = this.#outbound.get(peerId);
    this.#outbound.delete(peerId);
    await this.#sync?.removePeer(peerId);
    await entry?.session?.stop();
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#stopping = true;
    for (const off of this.#listeners.splice(0)) off();
    for (const t of this.#timers) this.#clock.clearTimeout(t);
    this.#timers.clear();
    await waitOrAbort(this.#sync?.stop(), options.signal);
    const sessions = [...[...this.#outbound.values()].map((e) => e.session), ...this.#inbound];
    this.#outbound.clear();
    this.#inbound.clear();
    const draining = Promise.allSettled(sessions.filter((s) => s !== undefined).map((s) => s.stop()));
    await waitOrAbort(draining, options.signal);
    await this.#journals?.stop();
    this.#sync = undefined;
    this.#journals = undefined;
    this.#ctx = undefined;
  }

  routes(api: RouteTable): void {
    registerJournalRoutes(api, this);
  }

  /** Appends one event to an own journal (counted in murmur_journals_events_appended_total). */
  async append(
    id: JournalId,
    payload: Uint8Array | JsonEvent,
    options: { signal?: AbortSignal } = {},
  ): Promise<JournalEvent> {
    const e = await this.journals.append(id, payload, options);
    this.counters.appended++;
    return e;
  }

  async appendBatch(
    id: JournalId,
    payloads: (Uint8Array | JsonEvent)[],
    options: { signal?: AbortSignal } = {},
  ): Promise<JournalEvent[]> {
    const events = await this.journals.appendBatch(id, payloads, options);
    this.counters.appended += events.length;
    return events;
  }

  /** Makes sure a journal is held (followed on demand when this node does not hold it yet). */
  async ensureFollowed(id: JournalId): Promise<void> {
    if (!this.journals.isOwn(id)) await this.sync.follow(id);
  }

  #metricsSource(): JournalsMetricsSource {
    return {
      counters: this.counters,
      syncStats: () => this.#sync?.stats,
      lag: () =>
        (this.#sync?.status() ?? []).map((s) => ({
          journal: s.journal,
          lag: Math.max(0, s.advertised - s.head),
        })),
      held: () => this.#journals?.list().length ?? 0,
    };
  }
}
