import { EventEmitter } from 'node:events';
import { systemClock } from '../clock/index.ts';
import { throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { peerBookConfig } from './config.ts';
import { type Entry, mergeAddresses, toKnown } from './entry.ts';
import { PeerPersistence } from './persistence.ts';
import { PeerStates } from './states.ts';
import type {
  Clock,
  DiscoverySource,
  KnownPeer,
  MisbehaviourKind,
  PeerBookConfig,
  PeerBookEvents,
  PeerBookOptions,
  PeerCounts,
  PeerInfo,
} from './types.ts';

/** Sources that ask for an immediate dial (the others wait for the overlay to suggest the peer). */
const DIAL_NOW: ReadonlySet<DiscoverySource> = new Set(['bootstrap', 'hbbp', 'manual']);

/**
 * The peer book: every peer this node knows and its state
 * (known → connecting → active → lifesupport ⇄ connecting … → forgotten; any → purgatory → forgotten).
 * Inputs are method calls from the node; outputs are events and queries. Time comes from the
 * injected clock, so tests drive it with a virtual clock. The entries and their transitions and timers
 * live in states.ts. See docs/PEERS.md.
 */
export class PeerBook extends EventEmitter<PeerBookEvents> {
  readonly config: PeerBookConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #selfId: string | undefined;
  readonly #persistence: PeerPersistence | undefined;
  readonly #s: PeerStates;
  readonly #entries: Map<string, Entry>;

  constructor(options: PeerBookOptions = {}) {
    super();
    this.config = peerBookConfig(options.config);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#selfId = options.selfId;
    if (options.store !== undefined) {
      this.#persistence = new PeerPersistence(options.store, this.#clock, this.config.flushMs, this.#log);
    }
    this.#s = new PeerStates({
      config: this.config,
      clock: this.#clock,
      log: this.#log,
      persistence: this.#persistence,
      proximity: options.proximity,
      emit: (event, ...args) => this.emit(event as keyof PeerBookEvents, ...(args as never)),
    });
    this.#entries = this.#s.entries;
  }

  /** Loads persisted peers (peers that were connected become due for a dial) and starts the heartbeat. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (this.#s.running) return;
    if (this.#persistence !== undefined) {
      const now = this.#clock.now();
      for (const entry of await this.#persistence.load(options)) {
        if (entry.peerId === this.#selfId || this.#entries.has(entry.peerId)) continue;
        if (entry.state === 'active' || entry.state === 'connecting') {
          entry.state = 'lifesupport';
          entry.reason = 'restart';
          entry.attempts = 0;
          entry.nextAttemptAt = now;
        }
        this.#entries.set(entry.peerId, entry);
      }
    }
    this.#s.start();
  }

  /** Stops timers and writes pending changes. */
  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#s.running) return;
    this.#s.stop();
    await this.#persistence?.flush(options);
  }

  /** Writes pending changes to the store now. */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#persistence?.flush(options);
  }

  // ---- inputs ------------------------------------------------------------------------------------

  /** A peer was heard of. Bootstrap, HBBP and manual sources emit `dial` at once. */
  discovered(
    peerId: string,
    addresses: readonly string[],
    source: DiscoverySource,
    overlay?: string,
  ): PeerInfo | KnownPeer | undefined {
    if (peerId === this.#selfId || peerId.length === 0) return undefined;
    let entry = this.#entries.get(peerId);
    if (entry === undefined) entry = this.#s.create(peerId, source);
    mergeAddresses(entry, addresses);
    if (overlay !== undefined && entry.overlay === undefined) entry.overlay = overlay;
    if (source === 'hbbp') entry.lastSeen = this.#clock.now();
    this.#s.dirty(entry);
    if (entry.state === 'known') {
      if (DIAL_NOW.has(source)) {
        entry.dialDue = true;
        this.emit('dial', toKnown(entry));
      }
      return toKnown(entry);
    }
    if (source === 'bootstrap' && entry.state === 'lifesupport') {
      // An address the operator gives at start is dialled at start, whatever the saved schedule says.
      entry.attempts = 0;
      this.#s.dialNow(entry);
    }
    return this.#s.info(entry);
  }

  /** A dial to the peer started. Returns false (do not dial) when it is in purgatory or already active. */
  dialStarted(peerId: string, addresses: readonly string[] = []): boolean {
    if (peerId === this.#selfId) return false;
    const entry = this.#entries.get(peerId) ?? this.#s.create(peerId, 'manual');
    mergeAddresses(entry, addresses);
    if (entry.state === 'purgatory' || entry.state === 'active') return false;
    entry.dialDue = false;
    this.#s.set(entry, 'connecting');
    return true;
  }

  /**
   * The murmur handshake with the peer completed (dialled or inbound). Returns false when the peer is
   * in purgatory: the caller must then close the connection.
   */
  handshakeDone(peerId: string, overlay?: string, addresses: readonly string[] = []): boolean {
    if (peerId === this.#selfId) return false;
    const entry = this.#entries.get(peerId) ?? this.#s.create(peerId, 'inbound');
    if (entry.state === 'purgatory') return false;
    mergeAddresses(entry, addresses);
    if (overlay !== undefined) entry.overlay = overlay;
    const now = this.#clock.now();
    entry.lastSeen = now;
    entry.lastActivity = now;
    entry.attempts = 0;
    entry.dialDue = false;
    entry.reason = undefined;
    this.#s.set(entry, 'active');
    return true;
  }

  /** A dial or handshake failed: lifesupport with the next backoff, or forgotten past the last one. */
  dialFailed(peerId: string, reason = 'dial-failed'): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state === 'active' || entry.state === 'purgatory') return;
    this.#s.fail(entry, reason);
  }

  /** The connection closed (or dropped). An active or connecting peer goes to lifesupport. */
  disconnected(peerId: string, reason = 'disconnected'): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || (entry.state !== 'active' && entry.state !== 'connecting')) return;
    this.#s.fail(entry, reason);
  }

  /**
   * The peer said goodbye (it stops cleanly): lifesupport at once with reason `goodbye`, its backoff
   * restarted from the first step, so it is redialled soon and for the whole schedule.
   */
  goodbye(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state === 'purgatory' || entry.state === 'known') return;
    entry.attempts = 0;
    this.#s.fail(entry, 'goodbye');
  }

  /** Any message (or a pong) from the peer: it is alive; resets the idle timer. */
  activity(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state !== 'active') return;
    const now = this.#clock.now();
    entry.lastActivity = now;
    entry.lastSeen = now;
    if (entry.pingDeadline !== undefined) {
      entry.pingDeadline = undefined;
      this.#s.disarm(entry);
    }
  }

  /** A pong arrived. */
  pongReceived(peerId: string): void {
    this.activity(peerId);
  }

  /** A ping was sent: without activity before pongTimeoutMs the pong counts as missed. */
  pingSent(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state !== 'active') return;
    entry.pingDeadline = this.#clock.now() + this.config.pongTimeoutMs;
    this.#s.arm(entry);
  }

  /** A pong was missed (also detected by the book itself, see pingSent): lifesupport. */
  pongMissed(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state !== 'active') return;
    this.#s.fail(entry, 'pong-missed');
  }

  /** Counts a misbehaviour; at strikeThreshold the peer goes to purgatory. Returns the strike count. */
  misbehaved(peerId: string, kind: MisbehaviourKind): number {
    const entry = this.#entries.get(peerId) ?? this.#s.create(peerId, 'inbound');
    this.#s.strike(entry);
    this.#log.debug({ peerId, kind, strikes: entry.strikes }, 'peer misbehaved');
    if (entry.strikes >= this.config.strikeThreshold && entry.state !== 'purgatory') {
      this.#s.purgatory(entry, `misbehaviour: ${kind}`);
    } else {
      this.#s.dirty(entry);
      if (entry.state !== 'known') this.emit('state', this.#s.info(entry));
    }
    return entry.strikes;
  }

  /** The peer was refused at introduction (wrong network, bad overlay…): purgatory. */
  refused(peerId: string, reason: string): void {
    if (peerId === this.#selfId) return;
    const entry = this.#entries.get(peerId) ?? this.#s.create(peerId, 'inbound');
    if (entry.state === 'purgatory') return;
    this.#s.purgatory(entry, reason);
  }

  /**
   * An operator forgives the peer: its strikes are cleared and, if it is in purgatory, it leaves it for
   * lifesupport (reason `forgiven`) and is dialled at once. Returns undefined for a peer the book does
   * not hold.
   */
  forgive(peerId: string): PeerInfo | undefined {
    const entry = this.#entries.get(peerId);
    if (entry === undefined) return undefined;
    this.#s.clearStrikes(entry);
    this.#log.info({ peerId, state: entry.state }, 'peer forgiven');
    if (entry.state === 'purgatory') {
      entry.attempts = 0;
      entry.reason = 'forgiven';
      entry.nextAttemptAt = this.#clock.now();
      this.#s.set(entry, 'lifesupport');
      this.#s.dialNow(entry);
    } else {
      this.#s.dirty(entry);
      if (entry.state !== 'known') this.emit('state', this.#s.info(entry));
    }
    return this.#s.info(entry);
  }

  /** Forgets a peer now. */
  remove(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry !== undefined) this.#s.forget(entry, 'removed');
  }

  // ---- queries -----------------------------------------------------------------------------------

  /** True when the peer is in purgatory: refuse its connections. */
  isRefused(peerId: string): boolean {
    return this.#entries.get(peerId)?.state === 'purgatory';
  }

  get(peerId: string): PeerInfo | undefined {
    const entry = this.#entries.get(peerId);
    return entry === undefined || entry.state === 'known' ? undefined : this.#s.info(entry);
  }

  /** Peers in the state machine (not mere dial candidates). */
  list(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const entry of this.#entries.values()) if (entry.state !== 'known') out.push(this.#s.info(entry));
    return out;
  }

  /** Dial candidates: known peers not connected, not being dialled, not in backoff nor purgatory. */
  known(): KnownPeer[] {
    const out: KnownPeer[] = [];
    for (const entry of this.#entries.values()) if (entry.state === 'known') out.push(toKnown(entry));
    return out;
  }

  /** Raw state of any peer the book holds, 'known' for candidates. */
  stateOf(peerId: string): PeerInfo['state'] | 'known' | undefined {
    return this.#entries.get(peerId)?.state;
  }

  /** Peers to dial now: lifesupport peers whose backoff expired, and candidates asking for a dial. */
  dueForDial(now = this.#clock.now()): Array<PeerInfo | KnownPeer> {
    const out: Array<PeerInfo | KnownPeer> = [];
    for (const e of this.#entries.values()) {
      if (e.state === 'lifesupport' && (e.nextAttemptAt ?? 0) <= now) out.push(this.#s.info(e));
      else if (e.state === 'known' && e.dialDue === true) out.push(toKnown(e));
    }
    return out;
  }

  /** Active peers idle for at least idleMs. */
  dueForPing(now = this.#clock.now()): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const e of this.#entries.values()) {
      if (e.state === 'active' && now - e.lastActivity >= this.config.idleMs) out.push(this.#s.info(e));
    }
    return out;
  }

  /** Peers per state (dial candidates are not counted; see `known().length`). */
  counts(): PeerCounts {
    const counts: PeerCounts = { connecting: 0, active: 0, lifesupport: 0, purgatory: 0 };
    for (const e of this.#entries.values()) if (e.state !== 'known') counts[e.state]++;
    return counts;
  }

  get size(): number {
    return this.#entries.size;
  }
}
