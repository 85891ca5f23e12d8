import { type Clock, systemClock } from '../clock/index.ts';
import { claimStrike, type StrikeKind, strikeKindOf } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { ServiceContext } from './context.ts';

/**
 * The strike policy, in one place. A peer is struck only for provable misbehaviour: the error its
 * bytes raised has a strike kind in the error table (`strike` in each module's codes.ts: forged,
 * undecodable, oversized, unsolicited, protocol, …). A closed or reset stream, an abort, a timeout,
 * a peer shutting down, a protocol the peer does not serve and our own storage errors have none:
 * they are churn, retried with backoff, never struck.
 */

/** Repeats of one (peer, kind) within this window are one incident: struck once. */
export const STRIKE_INCIDENT_MS = 5_000;

/**
 * Strikes `peerId` through `ctx.strike` with the table's kind for `err` (an error, or a bare code),
 * at most once per error object (`claimStrike`); returns the kind, or undefined when `err` is not
 * misbehaviour (nothing is struck).
 */
export function strikeFor(
  ctx: Pick<ServiceContext, 'strike'>,
  peerId: string,
  err: unknown,
): StrikeKind | undefined {
  const kind = typeof err === 'string' ? strikeKindOf(err) : claimStrike(err);
  if (kind !== undefined) ctx.strike(peerId, kind);
  return kind;
}

/**
 * One incident, one strike: admits the first strike of a (peer, kind) and drops repeats within
 * `windowMs` (32 bin streams failing together, a retry meeting the same fault, a burst of bad
 * streams). A peer that keeps misbehaving is struck again once the window has passed.
 */
export class StrikeGate {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #last = new Map<string, number>();

  constructor(options: { clock?: Clock; windowMs?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = options.windowMs ?? STRIKE_INCIDENT_MS;
  }

  /** True when this strike starts a new incident (count it), false for a repeat (drop it). */
  admit(peerId: string, kind: string): boolean {
    const now = this.#clock.monotonic();
    const key = `${peerId}\u0000${kind}`;
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#windowMs) return false;
    if (this.#last.size > 4096) this.#prune(now);
    this.#last.set(key, now);
    return true;
  }

  #prune(now: number): void {
    for (const [k, t] of this.#last) if (now - t >= this.#windowMs) this.#last.delete(k);
  }
}

/**
 * A warning that a peer can trigger at will (a bad stream, an invalid chunk) is logged at warn level
 * once per key and window, with the error's code and message only (no stack, no cause chain); the
 * repeats go to debug, and the next warning says how many were folded into it.
 */
export class WarnLimiter {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #last = new Map<string, { at: number; folded: number }>();

  constructor(logger: Logger, options: { clock?: Clock; windowMs?: number } = {}) {
    this.#log = logger;
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.#clock.monotonic();
    const brief = { ...fields, ...(fields.err === undefined ? {} : { err: briefError(fields.err) }) };
    const seen = this.#last.get(key);
    if (seen !== undefined && now - seen.at < this.#windowMs) {
      seen.folded++;
      this.#log.debug(brief, msg);
      return;
    }
    if (this.#last.size > 1024) {
      for (const [k, v] of this.#last) if (now - v.at >= this.#windowMs) this.#last.delete(k);
    }
    this.#last.set(key, { at: now, folded: 0 });
    this.#log.warn(seen !== undefined && seen.folded > 0 ? { ...brief, repeats: seen.folded } : brief, msg);
  }
}

/** An error as `code: message` (what an operator needs from a peer's bad input; no stack). */
export function briefError(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const { code, message } = err as { code?: unknown; message?: unknown };
  const m = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' ? `${code}: ${m}` : m;
}
