import './codes.ts';
import { MurmurError } from '../../src/errors/index.ts';
import type { RouteTable } from '../../src/http/types.ts';
import type { NodeService, ServiceContext } from '../../src/service/context.ts';
import { strikeFor } from '../../src/service/strikes.ts';
import {
  type Bounds,
  type CounterState,
  counterValue,
  DEFAULT_BOUNDS,
  MAX_U64,
  mergeInto,
  NAME_RE,
} from './crdt.ts';
import { counterRoutes } from './routes.ts';
import { decodeState, encodeState } from './wire.ts';

export const COUNTERS_PROTOCOL = '/murmur/counters/state/1.0.0';
const STATE_KEY = 'state';

export interface CountersOptions extends Partial<Bounds> {
  /** Pause (on ctx.clock) between a local change and sending the state to the peers (default 50 ms). */
  debounceMs?: number;
}

export interface CounterView {
  name: string;
  value: string;
  slots: number;
}

/** The replicated PN-counters kind: see examples/counter/README.md. */
export class CountersService implements NodeService {
  readonly name = 'counters';
  readonly bounds: Bounds;
  readonly #debounceMs: number;
  #ctx: ServiceContext | undefined;
  #state: CounterState = new Map();
  #timer: unknown;
  #offs: (() => void)[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(options: CountersOptions = {}) {
    this.bounds = {
      maxCounters: options.maxCounters ?? DEFAULT_BOUNDS.maxCounters,
      maxSlots: options.maxSlots ?? DEFAULT_BOUNDS.maxSlots,
    };
    this.#debounceMs = options.debounceMs ?? 50;
  }

  /** The wire cap: a full state at the bounds (names ≤ 64, peer ids ≤ 128, two uint64 per slot). */
  get maxMessageBytes(): number {
    return 64 + this.bounds.maxCounters * (80 + this.bounds.maxSlots * 160);
  }

  async start(ctx: ServiceContext): Promise<void> {
    this.#ctx = ctx;
    const saved = await ctx.store.get(STATE_KEY);
    if (saved !== undefined && typeof saved !== 'string') this.#state = decodeState(saved, this.bounds);
    await ctx.handle(
      COUNTERS_PROTOCOL,
      async (channel, peer) => {
        try {
          for await (const frame of channel) {
            let incoming: CounterState;
            try {
              incoming = decodeState(frame, this.bounds);
            } catch (err) {
              // the code's strike kind (codes.ts): undecodable bytes, or a state breaking the bounds
              strikeFor(ctx, peer.peerId, err);
              return;
            }
            if (mergeInto(this.#state, incoming, this.bounds)) this.#changed();
          }
        } finally {
          channel.close();
        }
      },
      { maxMessageBytes: this.maxMessageBytes },
    );
    this.#offs.push(ctx.on('peer:active', (p) => void this.#sendTo(p.peerId)));
  }

  async stop(): Promise<void> {
    for (const off of this.#offs) off();
    this.#offs = [];
    if (this.#timer !== undefined) this.#ctx?.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    this.#ctx = undefined;
  }

  routes(api: RouteTable): void {
    counterRoutes(api, this);
  }

  /** Adds `by` (≥ 1) to this node's slot of `name`; returns the new value. */
  async increment(name: string, by: bigint | number = 1n): Promise<bigint> {
    return this.#bump(name, BigInt(by), 'p');
  }

  /** Takes `by` (≥ 1) off through this node's slot of `name`; returns the new value. */
  async decrement(name: string, by: bigint | number = 1n): Promise<bigint> {
    return this.#bump(name, BigInt(by), 'n');
  }

  value(name: string): bigint {
    return counterValue(this.#state.get(name));
  }

  get(name: string): CounterView | undefined {
    const slots = this.#state.get(name);
    return slots === undefined
      ? undefined
      : { name, value: counterValue(slots).toString(), slots: slots.size };
  }

  list(): CounterView[] {
    return [...this.#state.keys()].sort().map((n) => this.get(n)!);
  }

  /** A copy of the state (tests, cards). */
  snapshot(): CounterState {
    return new Map([...this.#state].map(([k, v]) => [k, new Map([...v].map(([p, s]) => [p, { ...s }]))]));
  }

  async #bump(name: string, by: bigint, side: 'p' | 'n'): Promise<bigint> {
    const ctx = this.#ctx;
    if (ctx === undefined)
      throw new MurmurError('MURMUR_COUNTER_NOT_STARTED', 'counters service not started');
    if (!NAME_RE.test(name)) throw new MurmurError('MURMUR_COUNTER_BAD_NAME', `bad counter name '${name}'`);
    if (by < 1n) throw new MurmurError('MURMUR_COUNTER_BAD_AMOUNT', 'by must be a positive integer');
    let slots = this.#state.get(name);
    if (slots === undefined) {
      if (this.#state.size >= this.bounds.maxCounters) {
        throw new MurmurError('MURMUR_COUNTER_LIMIT', `at most ${this.bounds.maxCounters} counters`);
      }
      slots = new Map();
      this.#state.set(name, slots);
    }
    let mine = slots.get(ctx.peerId);
    if (mine === undefined) {
      if (slots.size >= this.bounds.maxSlots) {
        throw new MurmurError('MURMUR_COUNTER_LIMIT', `counter '${name}' has ${this.bounds.maxSlots} slots`);
      }
      mine = { p: 0n, n: 0n };
      slots.set(ctx.peerId, mine);
    }
    if (mine[side] + by > MAX_U64) throw new MurmurError('MURMUR_COUNTER_OVERFLOW', 'counter slot overflow');
    mine[side] += by;
    this.#changed();
    await this.#writing;
    return counterValue(slots);
  }

  /** Persists the state and schedules one send to every active peer (changes within debounceMs join). */
  #changed(): void {
    const ctx = this.#ctx;
    if (ctx === undefined) return;
    const bytes = encodeState(this.#state);
    this.#writing = this.#writing
      .then(() => ctx.store.put(STATE_KEY, bytes))
      .catch((err: unknown) => {
        ctx.logger.warn({ err: String(err) }, 'counters: persisting the state failed');
      });
    if (this.#timer !== undefined) return;
    this.#timer = ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      for (const p of this.#ctx?.peers() ?? []) void this.#sendTo(p.peerId);
    }, this.#debounceMs);
  }

  async #sendTo(peerId: string): Promise<void> {
    const ctx = this.#ctx;
    if (ctx === undefined || this.#state.size === 0) return;
    try {
      const ch = await ctx.dial(peerId, COUNTERS_PROTOCOL, { maxMessageBytes: this.maxMessageBytes });
      try {
        await ch.send(encodeState(this.#state));
      } finally {
        ch.close();
      }
    } catch (err) {
      ctx.logger.debug({ peer: peerId, err: String(err) }, 'counters: sending the state failed');
    }
  }
}
