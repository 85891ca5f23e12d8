import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { DEFAULT_CULL_DELAY_MS } from './constants.ts';

/** What a subscriber sees of one key. */
export interface KeyState {
  hasValue: boolean;
  /** True while the local value may be stale (a peer announced a different root, sync pending). */
  dirty: boolean;
  value: Uint8Array | null;
}

export type SubscriptionEvent = 'value' | 'dirty';

interface Interest {
  key: string;
  state: KeyState;
  subscribers: Set<Subscription>;
  cull: TimerHandle | null;
}

export interface SubscriptionsOptions {
  /** Reads the current local value of a key (null = absent) when subscribe() is given none. */
  read?: (key: string) => Uint8Array | null;
  /** Delay before an interest without subscribers is dropped. Default 2 s. */
  cullDelayMs?: number;
  /** Told when an interest starts (true) or is culled (false), e.g. to ask peers for the key. */
  onInterest?: (key: string, active: boolean) => void;
  /** Clock of the cull timers (the service's `ctx.clock`; default `systemClock`). */
  clock?: Clock;
}

/** One subscriber's handle on a shared key interest. */
export class Subscription {
  readonly key: string;
  readonly #interest: Interest;
  readonly #manager: Subscriptions;
  readonly #listeners = { value: new Set<(s: KeyState) => void>(), dirty: new Set<(s: KeyState) => void>() };
  #closed = false;

  constructor(manager: Subscriptions, interest: Interest) {
    this.key = interest.key;
    this.#interest = interest;
    this.#manager = manager;
  }

  get state(): KeyState {
    return { ...this.#interest.state };
  }
  get closed(): boolean {
    return this.#closed;
  }

  on(event: SubscriptionEvent, listener: (s: KeyState) => void): this {
    this.#listeners[event].add(listener);
    return this;
  }
  off(event: SubscriptionEvent, listener: (s: KeyState) => void): this {
    this.#listeners[event].delete(listener);
    return this;
  }

  /** Stops this subscription; the shared interest is culled after the delay if it was the last. */
  unsubscribe(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.value.clear();
    this.#listeners.dirty.clear();
    this.#manager.release(this.#interest, this);
  }

  /** @internal */
  emit(event: SubscriptionEvent, state: KeyState): void {
    for (const l of this.#listeners[event]) l({ ...state });
  }
}

/**
 * Key subscriptions with one shared interest per key however many subscribers. Events fire on
 * value change and on dirtiness change; the last unsubscribe culls the interest after a delay
 * (a re-subscribe within the delay keeps it). Synchronous, no locks: nothing can deadlock.
 */
export class Subscriptions {
  readonly #interests = new Map<string, Interest>();
  readonly #read: ((key: string) => Uint8Array | null) | undefined;
  readonly #cullDelayMs: number;
  readonly #onInterest: ((key: string, active: boolean) => void) | undefined;
  readonly #clock: Clock;

  constructor(options: SubscriptionsOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#read = options.read;
    this.#cullDelayMs = options.cullDelayMs ?? DEFAULT_CULL_DELAY_MS;
    this.#onInterest = options.onInterest;
  }

  /** Subscribes to a key; a new interest starts with `value` (else read() or null). */
  subscribe(key: string, value0?: Uint8Array | null): Subscription {
    let interest = this.#interests.get(key);
    if (interest === undefined) {
      const value = value0 !== undefined ? value0 : (this.#read?.(key) ?? null);
      interest = {
        key,
        state: { hasValue: value !== null, dirty: false, value },
        subscribers: new Set(),
        cull: null,
      };
      this.#interests.set(key, interest);
      this.#onInterest?.(key, true);
    }
    if (interest.cull !== null) {
      this.#clock.clearTimeout(interest.cull);
      interest.cull = null;
    }
    const sub = new Subscription(this, interest);
    interest.subscribers.add(sub);
    return sub;
  }

  /** Keys with a live interest (including those waiting to be culled). */
  keys(): string[] {
    return [...this.#interests.keys()];
  }

  /** Number of subscribers of a key. */
  subscribers(key: string): number {
    return this.#interests.get(key)?.subscribers.size ?? 0;
  }

  /** The local value of a key changed. */
  notifyValue(key: string, value: Uint8Array | null): void {
    const i = this.#interests.get(key);
    if (i === undefined) return;
    const same =
      i.state.value === value ||
      (i.state.value !== null && value !== null && Buffer.compare(i.state.value, value) === 0);
    if (same) return;
    i.state = { ...i.state, hasValue: value !== null, value };
    for (const s of i.subscribers) s.emit('value', i.state);
  }

  /** Marks keys (all interests when `key` is undefined) dirty or clean. */
  setDirty(dirty: boolean, key?: string): void {
    const list =
      key === undefined
        ? [...this.#interests.values()]
        : [this.#interests.get(key)].filter((x) => x !== undefined);
    for (const i of list) {
      if (i.state.dirty === dirty) continue;
      i.state = { ...i.state, dirty };
      for (const s of i.subscribers) s.emit('dirty', i.state);
    }
  }

  /** Drops every interest now (on close). */
  clear(): void {
    for (const i of this.#interests.values()) if (i.cull !== null) this.#clock.clearTimeout(i.cull);
    this.#interests.clear();
  }

  /** @internal */
  release(interest: Interest, sub: Subscription): void {
    interest.subscribers.delete(sub);
    if (interest.subscribers.size > 0 || interest.cull !== null) return;
    interest.cull = this.#clock.setTimeout(() => {
      interest.cull = null;
      if (interest.subscribers.size > 0 || this.#interests.get(interest.key) !== interest) return;
      this.#interests.delete(interest.key);
      this.#onInterest?.(interest.key, false);
    }, this.#cullDelayMs);
  }
}
