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

  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(this.#size);
  }

  give(buf: Uint8Array): void {
    if (buf.byteLength === this.#size && this.#free.length < this.#keep) this.#free.push(buf);
  }

  /** Free buffers held. */
  get free(): number {
    return this.#free.length;
  }
}
