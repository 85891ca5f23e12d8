import { type Clock, systemClock } from '../clock/index.ts';
import { MurmurError } from '../errors/index.ts';
import { DEFAULT_MAX_DRIFT_MS, HLC_LOGICAL_BITS, HLC_LOGICAL_MAX } from './constants.ts';

/**
 * Hybrid logical clock timestamps packed in one safe integer: wall milliseconds × 2^10 + logical
 * counter (0..1023). Packed values compare like (wall, logical) pairs. When the counter would pass
 * 1023 the wall part is advanced by one millisecond instead (still monotonic, still within drift).
 * Wall time fits until the year 2248 (2^43 ms).
 */
export type Hlc = number;

const SCALE = 2 ** HLC_LOGICAL_BITS;

export function packHlc(wall: number, logical: number): Hlc {
  return wall * SCALE + logical;
}

export function hlcWall(ts: Hlc): number {
  return Math.floor(ts / SCALE);
}

export function hlcLogical(ts: Hlc): number {
  return ts % SCALE;
}

export function isValidHlc(ts: unknown): ts is Hlc {
  return typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0;
}

export interface HlcClockOptions {
  /**
   * Where physical time comes from (`now()`, ms since the epoch): the service's `ctx.clock` in a
   * node, `systemClock` by default.
   */
  clock?: Pick<Clock, 'now'>;
  /** A bare wall-time function instead of `clock` (skew simulation in tests); wins over `clock`. */
  now?: () => number;
  /** Timestamps further than this ahead of our wall clock are refused. Default 60 s. */
  maxDriftMs?: number;
}

/** A hybrid logical clock (Kulkarni et al.): send and receive rules with a drift bound. */
export class HlcClock {
  readonly #now: () => number;
  readonly maxDriftMs: number;
  #last: Hlc = 0;

  constructor(options: HlcClockOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => clock.now());
    this.maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS;
  }

  /** The latest timestamp issued or observed. */
  get last(): Hlc {
    return this.#last;
  }

  /**
   * Called first by `tick()` (every local write: put, del, grant, revoke); may throw to refuse the
   * write before anything is stamped (the tree service refuses writes of a clock running ahead).
   */
  beforeTick: (() => void) | undefined;

  /** Send rule: a timestamp greater than every one issued or observed so far. */
  tick(): Hlc {
    this.beforeTick?.();
    const wall = this.#now();
    const physical = packHlc(wall, 0);
    this.#last = physical > this.#last ? physical : bump(this.#last);
    return this.#last;
  }

  /**
   * Receive rule: checks the drift bound (MURMUR_TREE_CLOCK_SKEW), then merges so that later local
   * timestamps are greater than `ts`.
   */
  observe(ts: Hlc): void {
    this.check(ts);
    if (ts > this.#last) this.#last = ts;
  }

  /**
   * Throws MURMUR_TREE_CLOCK_SKEW if a record's wall time (a grant's `issuedAt`, a revocation's
   * `revokedAt`, Unix ms) is further in the future than the allowed drift: the bound entries have.
   */
  checkWall(ms: number, what = 'timestamp'): void {
    const now = this.#now();
    if (ms > now + this.maxDriftMs) {
      throw new MurmurError('MURMUR_TREE_CLOCK_SKEW', `${what} too far in the future`, {
        details: { wall: ms, now, maxDriftMs: this.maxDriftMs },
      });
    }
  }

  /**
   * Starts the clock above a timestamp this node already holds (the newest stored entry at open), with
   * no drift check: a node restarted with its wall clock set back still stamps its next writes after
   * its own earlier ones, so they are not hidden behind them.
   */
  seed(ts: Hlc): void {
    if (isValidHlc(ts) && ts > this.#last) this.#last = ts;
  }

  /** Throws MURMUR_TREE_CLOCK_SKEW if `ts` is further in the future than the allowed drift. */
  check(ts: Hlc): void {
    const limit = packHlc(this.#now() + this.maxDriftMs, HLC_LOGICAL_MAX);
    if (!isValidHlc(ts)) throw new MurmurError('MURMUR_TREE_MALFORMED', 'invalid timestamp');
    if (ts > limit) {
      throw new MurmurError('MURMUR_TREE_CLOCK_SKEW', 'timestamp too far in the future', {
        details: { wall: hlcWall(ts), now: this.#now(), maxDriftMs: this.maxDriftMs },
      });
    }
  }
}

function bump(ts: Hlc): Hlc {
  return hlcLogical(ts) >= HLC_LOGICAL_MAX ? packHlc(hlcWall(ts) + 1, 0) : ts + 1;
}
