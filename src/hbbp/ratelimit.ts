/** Per-sender token buckets: a flood from one address cannot starve the others. */
import { DEFAULT_RATE_BURST, DEFAULT_RATE_PER_SEC, RATE_MAX_SENDERS } from './constants.ts';

export interface RateLimitOptions {
  /** Datagrams per second refilled per sender (default 20; 0 or Infinity disables the limit). */
  perSecond?: number;
  /** Bucket size, the burst a sender may send at once (default 40, at least 1). */
  burst?: number;
  /** Senders tracked at most (least recently seen forgotten first). */
  maxSenders?: number;
}

export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #max: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RateLimitOptions = {}) {
    this.#rate = opts.perSecond ?? DEFAULT_RATE_PER_SEC;
    this.#burst = Math.max(
      1,
      opts.burst ?? (opts.perSecond !== undefined ? Math.max(1, opts.perSecond * 2) : DEFAULT_RATE_BURST),
    );
    this.#max = opts.maxSenders ?? RATE_MAX_SENDERS;
  }

  /** Takes one token for `sender`; false when its bucket is empty. */
  take(sender: string, now: number = Date.now()): boolean {
    if (!(this.#rate > 0) || this.#rate === Number.POSITIVE_INFINITY) return true;
    let b = this.#buckets.get(sender);
    if (b) {
      this.#buckets.delete(sender);
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
      b.at = now;
    } else {
      b = { tokens: this.#burst, at: now };
    }
    this.#buckets.set(sender, b);
    if (this.#buckets.size > this.#max) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
