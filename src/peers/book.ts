import { EventEmitter } from 'node:events';
import { systemClock } from '../clock/index.ts';
import { throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import {
  DEFAULT_BACKOFF_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_FLUSH_MS,
  DEFAULT_HEARTBEAT_CHECK_MS,
  DEFAULT_IDLE_MS,
  DEFAULT_MAX_KNOWN,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_PURGATORY_MS,
  DEFAULT_STRIKE_THRESHOLD,
  MAX_ADDRESS_LENGTH,
  MAX_ADDRESSES,
} from './constants.ts';
import { type Entry, toInfo, toKnown } from './entry.ts';
import { PeerPersistence } from './persistence.ts';
import type {
  Clock,
  DiscoverySource,
  ForgetReason,
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

export function peerBookConfig(config: Partial<PeerBookConfig> = {}): PeerBookConfig {
  return {
    backoffMs: config.backoffMs ?? DEFAULT_BACKOFF_MS,
    idleMs: config.idleMs ?? DEFAULT_IDLE_MS,
    heartbeatCheckMs: config.heartbeatCheckMs ?? DEFAULT_HEARTBEAT_CHECK_MS,
    pongTimeoutMs: config.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS,
    dialTimeoutMs: config.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
    purgatoryMs: config.purgatoryMs ?? DEFAULT_PURGATORY_MS,
    strikeThreshold: config.strikeThreshold ?? DEFAULT_STRIKE_THRESHOLD,
    maxKnown: config.maxKnown ?? DEFAULT_MAX_KNOWN,
    flushMs: config.flushMs ?? DEFAULT_FLUSH_MS,
  };
}

/**
 * The peer book: every peer this node knows and its state
 * (known → connecting → active → lifesupport ⇄ connecting … → forgotten; any → purgatory → forgotten).
 * Inputs are method calls from the node; outputs are events and queries. Time comes from the
 * injected clock, so tests drive it with a virtual clock. See docs/PEERS.md.
 */
export class PeerBook extends EventEmitter<PeerBookEvents> {
  readonly config: PeerBookConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #selfId: string | undefined;
  readonly #proximity: ((overlayHex: string) => number) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #persistence: PeerPersistence | undefined;
  #running = false;
  #heartbeat: unknown;

  constructor(options: PeerBookOptions = {}) {
    super();
    this.config = peerBookConfig(options.config);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#selfId = options.selfId;
    this.#proximity = options.proximity;
    if (options.store !== undefined) {
      this.#persistence = new PeerPersistence(options.store, this.#clock, this.config.flushMs, this.#log);
    }
  }

  /** Loads persisted peers (peers that were connected become due for a dial) and starts the heartbeat. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (this.#running) return;
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
    this.#running = true;
    for (const entry of this.#entries.values()) this.#arm(entry);
    this.#scheduleHeartbeat();
  }

  /** Stops timers and writes pending changes. */
  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#clock.clearTimeout(this.#heartbeat);
    for (const entry of this.#entries.values()) this.#disarm(entry);
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
    if (entry === undefined) {
      this.#evictIfFull();
      entry = {
        peerId,
        addresses: [],
        lastSeen: 0,
        state: 'known',
        source,
        attempts: 0,
        strikes: 0,
        lastActivity: 0,
      };
      this.#entries.set(peerId, entry);
    }
    mergeAddresses(entry, addresses);
    if (overlay !== undefined && entry.overlay === undefined) entry.overlay = overlay;
    if (source === 'hbbp') entry.lastSeen = this.#clock.now();
    this.#dirty(entry);
    if (entry.state === 'known') {
      if (DIAL_NOW.has(source)) {
        entry.dialDue = true;
        this.emit('dial', toKnown(entry));
      }
      return toKnown(entry);
    }
    return this.#info(entry);
  }

  /** A dial to the peer started. Returns false (do not dial) when it is in purgatory or already active. */
  dialStarted(peerId: string, addresses: readonly string[] = []): boolean {
    if (peerId === this.#selfId) return false;
    const entry = this.#entries.get(peerId) ?? this.#create(peerId, 'manual');
    mergeAddresses(entry, addresses);
    if (entry.state === 'purgatory' || entry.state === 'active') return false;
    entry.dialDue = false;
    this.#set(entry, 'connecting');
    return true;
  }

  /**
   * The murmur handshake with the peer completed (dialled or inbound). Returns false when the peer is
   * in purgatory: the caller must then close the connection.
   */
  handshakeDone(peerId: string, overlay?: string, addresses: readonly string[] = []): boolean {
    if (peerId === this.#selfId) return false;
    const entry = this.#entries.get(peerId) ?? this.#create(peerId, 'inbound');
    if (entry.state === 'purgatory') return false;
    mergeAddresses(entry, addresses);
    if (overlay !== undefined) entry.overlay = overlay;
    const now = this.#clock.now();
    entry.lastSeen = now;
    entry.lastActivity = now;
    entry.attempts = 0;
    entry.dialDue = false;
    entry.reason = undefined;
    this.#set(entry, 'active');
    return true;
  }

  /** A dial or handshake failed: lifesupport with the next backoff, or forgotten past the last one. */
  dialFailed(peerId: string, reason = 'dial-failed'): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state === 'active' || entry.state === 'purgatory') return;
    this.#fail(entry, reason);
  }

  /** The connection closed (or dropped). An active or connecting peer goes to lifesupport. */
  disconnected(peerId: string, reason = 'disconnected'): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || (entry.state !== 'active' && entry.state !== 'connecting')) return;
    this.#fail(entry, reason);
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
      this.#disarm(entry);
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
    this.#arm(entry);
  }

  /** A pong was missed (also detected by the book itself, see pingSent): lifesupport. */
  pongMissed(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry === undefined || entry.state !== 'active') return;
    this.#fail(entry, 'pong-missed');
  }

  /** Counts a misbehaviour; at strikeThreshold the peer goes to purgatory. Returns the strike count. */
  misbehaved(peerId: string, kind: MisbehaviourKind): number {
    const entry = this.#entries.get(peerId) ?? this.#create(peerId, 'inbound');
    entry.strikes++;
    this.#log.debug({ peerId, kind, strikes: entry.strikes }, 'peer misbehaved');
    if (entry.strikes >= this.config.strikeThreshold && entry.state !== 'purgatory') {
      this.#purgatory(entry, `misbehaviour: ${kind}`);
    } else {
      this.#dirty(entry);
      if (entry.state !== 'known') this.emit('state', this.#info(entry));
    }
    return entry.strikes;
  }

  /** The peer was refused at introduction (wrong network, bad overlay…): purgatory. */
  refused(peerId: string, reason: string): void {
    if (peerId === this.#selfId) return;
    const entry = this.#entries.get(peerId) ?? this.#create(peerId, 'inbound');
    if (entry.state === 'purgatory') return;
    this.#purgatory(entry, reason);
  }

  /** Forgets a peer now. */
  remove(peerId: string): void {
    const entry = this.#entries.get(peerId);
    if (entry !== undefined) this.#forget(entry, 'removed');
  }

  // ---- queries -----------------------------------------------------------------------------------

  /** True when the peer is in purgatory: refuse its connections. */
  isRefused(peerId: string): boolean {
    return this.#entries.get(peerId)?.state === 'purgatory';
  }

  get(peerId: string): PeerInfo | undefined {
    const entry = this.#entries.get(peerId);
    return entry === undefined || entry.state === 'known' ? undefined : this.#info(entry);
  }

  /** Peers in the state machine (not mere dial candidates). */
  list(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const entry of this.#entries.values()) if (entry.state !== 'known') out.push(this.#info(entry));
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
      if (e.state === 'lifesupport' && (e.nextAttemptAt ?? 0) <= now) out.push(this.#info(e));
      else if (e.state === 'known' && e.dialDue === true) out.push(toKnown(e));
    }
    return out;
  }

  /** Active peers idle for at least idleMs. */
  dueForPing(now = this.#clock.now()): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const e of this.#entries.values()) {
      if (e.state === 'active' && now - e.lastActivity >= this.config.idleMs) out.push(this.#info(e));
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

  // ---- internals ---------------------------------------------------------------------------------

  #create(peerId: string, source: DiscoverySource): Entry {
    this.#evictIfFull();
    const entry: Entry = {
      peerId,
      addresses: [],
      lastSeen: 0,
      state: 'known',
      source,
      attempts: 0,
      strikes: 0,
      lastActivity: 0,
    };
    this.#entries.set(peerId, entry);
    return entry;
  }

  #info(entry: Entry): PeerInfo {
    return toInfo(entry, this.#proximity);
  }

  #set(entry: Entry, state: Entry['state']): void {
    entry.state = state;
    entry.pingDeadline = undefined;
    if (state === 'connecting') entry.dialDeadline = this.#clock.now() + this.config.dialTimeoutMs;
    else entry.dialDeadline = undefined;
    if (state === 'active' || state === 'connecting') entry.nextAttemptAt = undefined;
    this.#arm(entry);
    this.#dirty(entry);
    if (state !== 'known') this.emit('state', this.#info(entry));
  }

  #fail(entry: Entry, reason: string): void {
    const backoff = this.config.backoffMs;
    if (entry.attempts >= backoff.length) {
      this.#forget(entry, 'backoff-exhausted');
      return;
    }
    entry.reason = reason;
    entry.nextAttemptAt = this.#clock.now() + (backoff[entry.attempts] as number);
    entry.attempts++;
    this.#set(entry, 'lifesupport');
  }

  #purgatory(entry: Entry, reason: string): void {
    entry.reason = reason;
    entry.dialDue = false;
    entry.nextAttemptAt = this.#clock.now() + this.config.purgatoryMs;
    this.#log.info({ peerId: entry.peerId, reason }, 'peer sent to purgatory');
    this.#set(entry, 'purgatory');
  }

  #forget(entry: Entry, reason: ForgetReason): void {
    this.#disarm(entry);
    this.#entries.delete(entry.peerId);
    this.#persistence?.remove(entry.peerId);
    this.emit('forgotten', { peerId: entry.peerId, reason });
  }

  #evictIfFull(): void {
    if (this.#entries.size < this.config.maxKnown) return;
    let oldest: Entry | undefined;
    for (const e of this.#entries.values()) {
      if (e.state === 'known' && (oldest === undefined || e.lastSeen < oldest.lastSeen)) oldest = e;
    }
    if (oldest !== undefined) this.#forget(oldest, 'evicted');
  }

  #dirty(entry: Entry): void {
    this.#persistence?.save(entry);
  }

  /** (Re)schedules the entry's one timer at its next deadline, if any. */
  #arm(entry: Entry): void {
    this.#disarm(entry);
    if (!this.#running) return;
    const deadline = deadlineOf(entry);
    if (deadline === undefined) return;
    const delay = Math.max(0, deadline - this.#clock.now());
    entry.timer = this.#clock.setTimeout(() => this.#onDeadline(entry), delay);
  }

  #disarm(entry: Entry): void {
    if (entry.timer !== undefined) {
      this.#clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  #onDeadline(entry: Entry): void {
    entry.timer = undefined;
    if (this.#entries.get(entry.peerId) !== entry) return;
    switch (entry.state) {
      case 'lifesupport':
        if (entry.dialDeadline !== undefined) {
          this.#fail(entry, 'not-dialled');
          break;
        }
        // time to reconnect; if nobody dials within dialTimeoutMs the attempt counts as failed
        this.emit('dial', this.#info(entry));
        if (this.#entries.get(entry.peerId) === entry && entry.state === 'lifesupport') {
          entry.dialDeadline = this.#clock.now() + this.config.dialTimeoutMs;
          this.#arm(entry);
        }
        break;
      case 'connecting':
        this.#fail(entry, 'dial-timeout');
        break;
      case 'active':
        this.pongMissed(entry.peerId);
        break;
      case 'purgatory':
        this.#forget(entry, 'purgatory-expired');
        break;
      default:
        break;
    }
  }

  #scheduleHeartbeat(): void {
    if (!this.#running) return;
    this.#heartbeat = this.#clock.setTimeout(() => {
      this.#checkIdle();
      this.#scheduleHeartbeat();
    }, this.config.heartbeatCheckMs);
  }

  #checkIdle(): void {
    const now = this.#clock.now();
    for (const entry of [...this.#entries.values()]) {
      if (entry.state !== 'active' || entry.pingDeadline !== undefined) continue;
      if (now - entry.lastActivity < this.config.idleMs) continue;
      entry.pingDeadline = now + this.config.pongTimeoutMs;
      this.#arm(entry);
      this.emit('ping', this.#info(entry));
    }
  }
}

function deadlineOf(entry: Entry): number | undefined {
  switch (entry.state) {
    case 'lifesupport':
      return entry.dialDeadline ?? entry.nextAttemptAt;
    case 'connecting':
      return entry.dialDeadline;
    case 'active':
      return entry.pingDeadline;
    case 'purgatory':
      return entry.nextAttemptAt;
    default:
      return undefined;
  }
}

function mergeAddresses(entry: Entry, addresses: readonly string[]): void {
  for (const a of addresses) {
    if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ADDRESS_LENGTH) continue;
    if (entry.addresses.includes(a)) continue;
    entry.addresses.unshift(a);
  }
  if (entry.addresses.length > MAX_ADDRESSES) entry.addresses.length = MAX_ADDRESSES;
}
