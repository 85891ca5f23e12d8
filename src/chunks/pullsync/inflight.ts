import { hex } from '../chunk.ts';

interface Entry {
  promise: Promise<boolean>;
  settle: (ok: boolean) => void;
}

/**
 * Chunks being fetched right now, so several peers offering the same chunk cause one transfer: the
 * first syncer to claim an address fetches it; the others wait on `settled()` and redo their range
 * only if that fetch failed.
 */
export class InFlight {
  readonly #entries = new Map<string, Entry>();

  /** Claims an address: true if the caller should fetch it, false if someone else already is. */
  claim(address: Uint8Array): boolean {
    const key = hex(address);
    if (this.#entries.has(key)) return false;
    let settle!: (ok: boolean) => void;
    const promise = new Promise<boolean>((r) => {
      settle = r;
    });
    this.#entries.set(key, { promise, settle });
    return true;
  }

  /** Resolves true when the claimed fetch succeeded, false if it failed; true if nothing is in flight. */
  settled(address: Uint8Array): Promise<boolean> {
    return this.#entries.get(hex(address))?.promise ?? Promise.resolve(true);
  }

  /** Ends a claim (ok = chunk stored). */
  release(address: Uint8Array, ok: boolean): void {
    const key = hex(address);
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    e.settle(ok);
  }

  get size(): number {
    return this.#entries.size;
  }
}
