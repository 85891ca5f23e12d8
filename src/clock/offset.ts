/**
 * Estimates this node's wall-clock offset against its peers' clocks.
 *
 * Each sample is one peer's wall time as it reported it (e.g. in a handshake or a pong) next to our
 * own wall time when the report arrived. The offset of a sample is `local - remote`: positive means
 * our clock is ahead. The estimate is the median over the peers' latest samples (for an even count the
 * middle value nearer zero, `cautiousMedian`), so one peer with a
 * wrong clock cannot move it; samples that look wrong (non-finite, not positive, or further off than
 * `maxPlausibleMs`) are ignored, and so are samples older than `maxAgeMs` when that is set.
 * With fewer than `minPeers` usable peers there is no estimate (alone, a node trusts its own clock).
 */

export interface ClockOffsetOptions {
  /** Usable peers needed before there is an estimate (default 1). */
  minPeers?: number;
  /** A sample further off than this is ignored as implausible (default 30 days). */
  maxPlausibleMs?: number;
  /** Samples older than this (by local wall time) are ignored; unset keeps them until forgotten. */
  maxAgeMs?: number;
}

export interface ClockOffsetEstimate {
  /** Median of `local - remote` over the usable peers (ms); positive: this clock is ahead. */
  offsetMs: number;
  /** How many peers the median is over. */
  peers: number;
}

interface Sample {
  offsetMs: number;
  atMs: number;
}

const DEFAULT_MAX_PLAUSIBLE_MS = 30 * 24 * 3600_000;

/** The median of a non-empty list of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The median for an estimate that decides a refusal: for an even count, the middle value nearer zero
 * (of two peers that disagree, the one agreeing with us wins), so a node is called ahead only when more
 * than half of its peers say so.
 */
export function cautiousMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  const lo = sorted[mid - 1] as number;
  const hi = sorted[mid] as number;
  return Math.abs(lo) <= Math.abs(hi) ? lo : hi;
}

export class ClockOffsetEstimator {
  readonly #samples = new Map<string, Sample>();
  readonly #minPeers: number;
  readonly #maxPlausibleMs: number;
  readonly #maxAgeMs: number | undefined;

  constructor(options: ClockOffsetOptions = {}) {
    this.#minPeers = Math.max(1, options.minPeers ?? 1);
    this.#maxPlausibleMs = options.maxPlausibleMs ?? DEFAULT_MAX_PLAUSIBLE_MS;
    this.#maxAgeMs = options.maxAgeMs;
  }

  /**
   * Records `peer`'s reported wall time `remoteWallMs` received when our wall clock read `localWallMs`
   * (both Unix ms). Replaces the peer's earlier sample; returns false (and keeps nothing new) when the
   * sample looks wrong.
   */
  observe(peer: string, remoteWallMs: number, localWallMs: number): boolean {
    if (!Number.isFinite(remoteWallMs) || !Number.isFinite(localWallMs)) return false;
    if (remoteWallMs <= 0 || localWallMs <= 0) return false;
    const offsetMs = localWallMs - remoteWallMs;
    if (Math.abs(offsetMs) > this.#maxPlausibleMs) return false;
    this.#samples.set(peer, { offsetMs, atMs: localWallMs });
    return true;
  }

  /** Drops `peer`'s sample (it disconnected). */
  forget(peer: string): void {
    this.#samples.delete(peer);
  }

  /** The estimate at local wall time `nowMs` (for the age limit), or undefined with too few peers. */
  estimate(nowMs?: number): ClockOffsetEstimate | undefined {
    const offsets: number[] = [];
    for (const s of this.#samples.values()) {
      if (this.#maxAgeMs !== undefined && nowMs !== undefined && nowMs - s.atMs > this.#maxAgeMs) continue;
      offsets.push(s.offsetMs);
    }
    if (offsets.length < this.#minPeers) return undefined;
    return { offsetMs: cautiousMedian(offsets), peers: offsets.length };
  }

  /** How far (ms) this clock is ahead of its peers beyond `boundMs`, or 0 when within (or unknown). */
  aheadBeyond(boundMs: number, nowMs?: number): number {
    const e = this.estimate(nowMs);
    return e !== undefined && e.offsetMs > boundMs ? e.offsetMs : 0;
  }
}
