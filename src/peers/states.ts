import type { Logger } from '../log/index.ts';
import { deadlineOf, type Entry, newEntry, toInfo } from './entry.ts';
import type { PeerPersistence } from './persistence.ts';
import type {
  Clock,
  DiscoverySource,
  ForgetReason,
  PeerBookConfig,
  PeerBookEvents,
  PeerInfo,
} from './types.ts';

export interface PeerStatesOptions {
  config: PeerBookConfig;
  clock: Clock;
  log: Logger;
  persistence: PeerPersistence | undefined;
  proximity: ((overlayHex: string) => number) | undefined;
  emit: <E extends keyof PeerBookEvents>(event: E, ...args: PeerBookEvents[E]) => void;
}

/**
 * The entries of the peer book and their transitions: every state change, its deadline (one timer per
 * entry), the heartbeat, eviction and write-behind. The book (book.ts) turns the node's reports into
 * these transitions; this class keeps them consistent.
 */
export class PeerStates {
  readonly entries = new Map<string, Entry>();
  readonly #o: PeerStatesOptions;
  #running = false;
  #heartbeat: unknown;

  constructor(options: PeerStatesOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Arms every entry's deadline and the heartbeat. */
  start(): void {
    this.#running = true;
    for (const entry of this.entries.values()) this.arm(entry);
    this.#scheduleHeartbeat();
  }

  /** Clears every timer. */
  stop(): void {
    this.#running = false;
    this.#o.clock.clearTimeout(this.#heartbeat);
    for (const entry of this.entries.values()) this.disarm(entry);
  }

  create(peerId: string, source: DiscoverySource): Entry {
    this.#evictIfFull();
    const entry = newEntry(peerId, source);
    this.entries.set(peerId, entry);
    return entry;
  }

  info(entry: Entry): PeerInfo {
    this.decay(entry);
    return toInfo(entry, this.#o.proximity);
  }

  /** Forgives the strikes due by now: one per `strikeDecayMs` (computed when read, no timer). */
  decay(entry: Entry): void {
    const step = this.#o.config.strikeDecayMs;
    if (entry.strikes === 0 || entry.strikesDecayAt === undefined || !decays(step)) return;
    const now = this.#o.clock.now();
    if (now < entry.strikesDecayAt) return;
    const forgiven = 1 + Math.floor((now - entry.strikesDecayAt) / step);
    entry.strikes = Math.max(0, entry.strikes - forgiven);
    entry.strikesDecayAt = entry.strikes === 0 ? undefined : entry.strikesDecayAt + forgiven * step;
    this.dirty(entry);
  }

  /** One more strike (after the due ones are forgiven); the decay period starts at the first. */
  strike(entry: Entry): void {
    this.decay(entry);
    entry.strikes++;
    const step = this.#o.config.strikeDecayMs;
    if (entry.strikesDecayAt === undefined && decays(step)) entry.strikesDecayAt = this.#o.clock.now() + step;
  }

  /** Clears the strikes. */
  clearStrikes(entry: Entry): void {
    entry.strikes = 0;
    entry.strikesDecayAt = undefined;
  }

  set(entry: Entry, state: Entry['state']): void {
    entry.state = state;
    entry.pingDeadline = undefined;
    if (state === 'connecting') entry.dialDeadline = this.#o.clock.now() + this.#o.config.dialTimeoutMs;
    else entry.dialDeadline = undefined;
    if (state === 'active' || state === 'connecting') entry.nextAttemptAt = undefined;
    this.arm(entry);
    this.dirty(entry);
    if (state !== 'known') this.#o.emit('state', this.info(entry));
  }

  /** A failed attempt: lifesupport with the next backoff, or forgotten past the last one. */
  fail(entry: Entry, reason: string): void {
    const backoff = this.#o.config.backoffMs;
    if (entry.attempts >= backoff.length) {
      this.forget(entry, 'backoff-exhausted');
      return;
    }
    entry.reason = reason;
    entry.nextAttemptAt = this.#o.clock.now() + (backoff[entry.attempts] as number);
    entry.attempts++;
    this.set(entry, 'lifesupport');
  }

  purgatory(entry: Entry, reason: string): void {
    entry.reason = reason;
    entry.dialDue = false;
    entry.nextAttemptAt = this.#o.clock.now() + this.#o.config.purgatoryMs;
    this.#o.log.info({ peerId: entry.peerId, reason }, 'peer sent to purgatory');
    this.set(entry, 'purgatory');
  }

  forget(entry: Entry, reason: ForgetReason): void {
    this.disarm(entry);
    this.entries.delete(entry.peerId);
    this.#o.persistence?.remove(entry.peerId);
    this.#o.emit('forgotten', { peerId: entry.peerId, reason });
  }

  dirty(entry: Entry): void {
    this.#o.persistence?.save(entry);
  }

  /** (Re)schedules the entry's one timer at its next deadline, if any. */
  arm(entry: Entry): void {
    this.disarm(entry);
    if (!this.#running) return;
    const deadline = deadlineOf(entry);
    if (deadline === undefined) return;
    const delay = Math.max(0, deadline - this.#o.clock.now());
    entry.timer = this.#o.clock.setTimeout(() => this.#onDeadline(entry), delay);
  }

  disarm(entry: Entry): void {
    if (entry.timer !== undefined) {
      this.#o.clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  /** Asks for a dial of a lifesupport peer now; if nobody dials within dialTimeoutMs the attempt fails. */
  dialNow(entry: Entry): void {
    entry.nextAttemptAt = this.#o.clock.now();
    entry.dialDeadline = undefined;
    this.#o.emit('dial', this.info(entry));
    if (this.entries.get(entry.peerId) === entry && entry.state === 'lifesupport') {
      entry.dialDeadline = this.#o.clock.now() + this.#o.config.dialTimeoutMs;
      this.arm(entry);
    }
  }

  #evictIfFull(): void {
    if (this.entries.size < this.#o.config.maxKnown) return;
    let oldest: Entry | undefined;
    for (const e of this.entries.values()) {
      if (e.state === 'known' && (oldest === undefined || e.lastSeen < oldest.lastSeen)) oldest = e;
    }
    if (oldest !== undefined) this.forget(oldest, 'evicted');
  }

  #onDeadline(entry: Entry): void {
    entry.timer = undefined;
    if (this.entries.get(entry.peerId) !== entry) return;
    switch (entry.state) {
      case 'lifesupport':
        if (entry.dialDeadline !== undefined) {
          this.fail(entry, 'not-dialled');
          break;
        }
        this.dialNow(entry);
        break;
      case 'connecting':
        this.fail(entry, 'dial-timeout');
        break;
      case 'active':
        this.fail(entry, 'pong-missed');
        break;
      case 'purgatory':
        this.forget(entry, 'purgatory-expired');
        break;
      default:
        break;
    }
  }

  #scheduleHeartbeat(): void {
    if (!this.#running) return;
    this.#heartbeat = this.#o.clock.setTimeout(() => {
      this.#checkIdle();
      this.#scheduleHeartbeat();
    }, this.#o.config.heartbeatCheckMs);
  }

  #checkIdle(): void {
    const now = this.#o.clock.now();
    for (const entry of [...this.entries.values()]) {
      if (entry.state !== 'active' || entry.pingDeadline !== undefined) continue;
      if (now - entry.lastActivity < this.#o.config.idleMs) continue;
      entry.pingDeadline = now + this.#o.config.pongTimeoutMs;
      this.arm(entry);
      this.#o.emit('ping', this.info(entry));
    }
  }
}

function decays(step: number): boolean {
  return step > 0 && Number.isSafeInteger(step);
}
