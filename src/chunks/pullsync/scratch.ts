/**
 * Reusable read buffers for delivering pages: a delivery reads its slices into buffers taken from
 * here instead of fresh ones (fresh buffers cost page faults when first written and put pressure on
 * the garbage collector). At most `keep` free buffers are kept; more are dropped.
 */
export class ScratchPool {
  readonly #free: Uint8Array[] = [];
  readonly #size: number;
  readonly #keep: number;

  constructor(size: number, keep: number) {
    this.#size = size;
    this.#keep = keep;
  }

  /**
   * A buffer of at least `bytes` (default: the pool's size; more than that is capped to it). A free
   * pooled buffer when one is held; otherwise a fresh one of the pool's size, or only of `bytes` when
   * the request is smaller (such a buffer is not pooled again: give() drops foreign sizes).
   */
  take(bytes = this.#size): Uint8Array {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    return new Uint8Array(Math.min(Math.max(0, bytes), this.#size));
  }

  give(buf: Uint8Array): void {
    if (buf.byteLength === this.#size && this.#free.length < this.#keep) this.#free.push(buf);
  }

  /** Free buffers held. */
  get free(): number {
    return this.#free.length;
  }
}
