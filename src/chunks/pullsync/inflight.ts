import { hex } from '../chunk.ts';

/**
 * Chunks being fetched right now, so several peers offering the same chunk cause one transfer: the
 * first syncer to claim an address fetches it; the others wait on `settled()` and redo their range
 * only if that fetch failed.
 */
export class InFlight {
  /** Claimed keys; the callbacks of those waiting on `settled()` (null while nobody waits). */
  readonly #entries = new Map<string, ((ok: boolean) => void)[] | null>();

  /**
   * Claims an address (`key` = its hex, when the caller has it): true if the caller should fetch it,
   * false if someone else already is.
   */
  claim(address: Uint8Array, key = hex(address)): boolean {
    if (this.#entries.has(key)) return false;
    this.#entries.set(key, null);
    return true;
  }

  /** Resolves true when the claimed fetch succeeded, false if it failed; true if nothing is in flight. */
  settled(address: Uint8Array): Promise<boolean> {
    const key = hex(address);
    if (!this.#entries.has(key)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let waiters = this.#entries.get(key);
      if (!waiters) {
        waiters = [];
        this.#entries.set(key, waiters);
      }
      waiters.push(resolve);
    });
  }

  /** Ends a claim (ok = chunk stored). */
  release(address: Uint8Array, ok: boolean, key = hex(address)): void {
    const waiters = this.#entries.get(key);
    if (waiters === undefined) return;
    this.#entries.delete(key);
    if (waiters) for (const w of waiters) w(ok);
  }

  get size(): number {
    return this.#entries.size;
  }
}
