import './codes.ts';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { MurmurError } from '../errors/index.ts';

/**
 * A duplex channel of whole messages (frames), the one thing the protocols need from the transport.
 * The node backs it with a length-prefixed libp2p stream; tests use memoryPair(). `send` may wait
 * (back-pressure); iteration ends when the remote closes; `close()` ends both directions.
 */
export interface FrameChannel {
  send(frame: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  close(err?: Error): void;
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  /**
   * Optional fast paths for hot loops (no promise per frame). `trySend` sends `head` ++ `body` as one
   * frame now and returns true, or returns false having sent nothing when send() would have to wait
   * (back-pressure); it throws as send() does. `takeBuffered` returns a frame already received
   * (undefined when none is waiting); a reader uses it between iteration steps, never while one is
   * pending (FrameReader.tryNext).
   */
  trySend?(head: Uint8Array, body?: Uint8Array): boolean;
  takeBuffered?(): Uint8Array | undefined;
}

/** Opens a fresh channel to a peer for one request (a new libp2p stream in the node). */
export type Dialer = (peer: string, options?: { signal?: AbortSignal }) => Promise<FrameChannel>;

/** Faults a memory channel applies to frames it carries (per direction). */
export interface Faults {
  /** Return true to drop the n-th frame (0-based) silently. */
  drop?: (frame: Uint8Array, n: number) => boolean;
  /** Return a replacement for the n-th frame (e.g. with flipped bits). */
  corrupt?: (frame: Uint8Array, n: number) => Uint8Array;
  /** Delay every frame by this many ms (order is kept). */
  delayMs?: number;
  /** Close the channel (both ends) after this many frames have been sent. */
  closeAfter?: number;
}

/** Per-end options of a memory channel, the same guarantees as the node's stream channel. */
export interface MemoryEndOptions {
  /** Cap on a frame this end receives (and sends); a bigger incoming one is a violation. */
  maxBytes?: number;
  /** Longest wait for the next frame; then the channel is aborted and iteration throws MURMUR_TIMEOUT. */
  idleTimeoutMs?: number;
  /** The idle timeout and this end's `delayMs` fault run on it (default: the system clock). */
  clock?: Clock;
  /** The remote sent a frame over `maxBytes` (the channel is already aborted). */
  onViolation?: (kind: 'oversized', err: MurmurError) => void;
}

class MemoryEnd implements FrameChannel {
  peer!: MemoryEnd;
  readonly #faults: Faults;
  readonly #o: MemoryEndOptions;
  readonly #clock: Clock;
  #inbox: Uint8Array[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;
  #remoteDone = false;
  /** Thrown by the iterator once the frames already received are read (violation, timeout, reset). */
  #failure: MurmurError | undefined;
  #sent = 0;
  #lastDelivery: Promise<void> = Promise.resolve();

  constructor(faults: Faults, options: MemoryEndOptions) {
    this.#faults = faults;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  async send(frame: Uint8Array): Promise<void> {
    if (this.#closed || this.peer.#closed || this.#failure !== undefined) {
      throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    }
    const max = this.#o.maxBytes;
    if (max !== undefined && frame.byteLength > max) {
      const err = tooLarge(frame.byteLength, max);
      this.close(err);
      throw err;
    }
    const n = this.#sent++;
    const f = this.#faults;
    if (f.closeAfter !== undefined && n >= f.closeAfter) {
      this.close();
      throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed (injected)');
    }
    if (f.drop?.(frame, n)) return;
    const data = f.corrupt ? f.corrupt(frame.slice(), n) : frame.slice();
    if (f.delayMs) {
      const ms = f.delayMs;
      const prev = this.#lastDelivery;
      this.#lastDelivery = prev
        .then(() => this.#clock.sleep(ms))
        .then(() => {
          this.peer.#push(data);
        });
      return;
    }
    this.peer.#push(data);
  }

  takeBuffered(): Uint8Array | undefined {
    return this.#closed ? undefined : this.#inbox.shift();
  }

  #push(frame: Uint8Array): void {
    if (this.#closed || this.#failure !== undefined) return;
    const max = this.#o.maxBytes;
    if (max !== undefined && frame.byteLength > max) {
      const err = tooLarge(frame.byteLength, max);
      this.#failure = err;
      this.#abort(err);
      this.#o.onViolation?.('oversized', err);
      return;
    }
    this.#inbox.push(frame);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  close(err?: Error): void {
    if (this.#closed) return;
    if (err !== undefined) {
      this.#abort(err);
      return;
    }
    this.#closed = true;
    this.#wake();
    const peer = this.peer;
    // the remote sees the end after frames already in flight
    void this.#lastDelivery.then(() => {
      peer.#remoteDone = true;
      peer.#wake();
    });
  }

  /** Closes this end at once and resets the remote (its iterator throws, frames in flight are lost). */
  #abort(err: Error): void {
    this.#closed = true;
    this.#wake();
    const peer = this.peer;
    if (peer.#closed || peer.#failure !== undefined) return;
    peer.#failure = new MurmurError('MURMUR_STREAMER_CLOSED', 'channel reset by peer', { cause: err });
    peer.#inbox = [];
    peer.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.#inbox.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      const failure = this.#failure;
      if (failure !== undefined) {
        this.#closed = true;
        throw failure;
      }
      if (this.#closed || this.#remoteDone) return;
      await this.#wait();
    }
  }

  /** Waits for the next wake-up, bounded by the idle timeout (which aborts the channel). */
  async #wait(): Promise<void> {
    const ms = this.#o.idleTimeoutMs;
    let timer: TimerHandle | undefined;
    await new Promise<void>((r) => {
      this.#waiter = r;
      if (ms !== undefined) {
        timer = this.#clock.setTimeout(
          () => {
            const err = new MurmurError('MURMUR_TIMEOUT', `no message within ${ms} ms`);
            this.#failure ??= err;
            this.#abort(err);
          },
          ms,
          { ref: true },
        );
      }
    });
    this.#clock.clearTimeout(timer);
  }
}

function tooLarge(size: number, max: number): MurmurError {
  return new MurmurError('MURMUR_FRAME_TOO_LARGE', `message of ${size} bytes over cap ${max}`, {
    details: { size, max },
  });
}

/**
 * Two connected in-memory channel ends; `faults.ab` applies to frames a→b, `faults.ba` to b→a;
 * `options.a` / `options.b` give an end a frame cap, an idle timeout (none by default) and the clock
 * its timers run on.
 */
export function memoryPair(
  faults: { ab?: Faults; ba?: Faults } = {},
  options: { a?: MemoryEndOptions; b?: MemoryEndOptions } = {},
): [FrameChannel, FrameChannel] {
  const a = new MemoryEnd(faults.ab ?? {}, options.a ?? {});
  const b = new MemoryEnd(faults.ba ?? {}, options.b ?? {});
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Reads frames one at a time with an AbortSignal and an optional timeout; on abort or timeout the
 * channel is closed (the only way to stop a pending read, and it ends the channel's iteration) and
 * the error thrown, by this call and every later one. Timeouts run on `options.clock` (default: the
 * system clock; pass the service's `ctx.clock`).
 *
 * Hot path: a call with a timeout arms one timer on the clock and clears it when it returns (so no
 * timer is left between calls), and there is no race between promises: a call costs no listener or
 * promise of its own beyond the abort listener when a signal is given.
 */
export class FrameReader {
  readonly #it: AsyncIterator<Uint8Array>;
  readonly #channel: FrameChannel;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #timerMs = 0;
  /** A call with a timeout is waiting (a firing timer only counts then). */
  #armed = false;
  #failure: MurmurError | undefined;

  constructor(channel: FrameChannel, options: { clock?: Clock } = {}) {
    this.#channel = channel;
    this.#clock = options.clock ?? systemClock;
    this.#it = channel[Symbol.asyncIterator]();
  }

  /** The next frame; throws MURMUR_STREAMER_CLOSED at end of stream. */
  async next(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Uint8Array> {
    const { signal, timeoutMs } = options;
    if (this.#failure) throw this.#failure;
    if (signal?.aborted)
      throw new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason });
    if (timeoutMs !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timerMs = timeoutMs;
      this.#timer = this.#clock.setTimeout(this.#onTimeout, timeoutMs, { ref: true });
      this.#armed = true;
    }
    let onAbort: (() => void) | undefined;
    if (signal) {
      onAbort = () =>
        this.#fail(new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      const r = await this.#it.next();
      if (this.#failure) throw this.#failure;
      if (r.done) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed by peer');
      return r.value;
    } finally {
      if (this.#armed) {
        this.#armed = false;
        this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The next frame if one has already arrived (no waiting, no promise), else undefined: then call
   * next(). Throws what next() would throw for a failed reader or an aborted signal.
   */
  tryNext(signal?: AbortSignal): Uint8Array | undefined {
    if (this.#failure) throw this.#failure;
    if (signal?.aborted)
      throw new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason });
    return this.#channel.takeBuffered?.();
  }

  readonly #onTimeout = (): void => {
    if (!this.#armed) return; // the call it was armed for has returned
    this.#fail(new MurmurError('MURMUR_TIMEOUT', `no message within ${this.#timerMs} ms`));
  };

  #fail(err: MurmurError): void {
    this.#failure ??= err;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#channel.close();
  }
}
