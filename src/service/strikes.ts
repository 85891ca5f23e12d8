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
 *
 * One incident strikes once: an error object is struck at most once however many layers see it
 * (claimStrike), a fault that stops many streams of one peer session (pull-sync's bins) is struck
 * once for the session, one push of refused records once per kind.
 */

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
