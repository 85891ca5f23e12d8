import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { claimStrike, isMurmurError, MurmurError } from '../errors/index.ts';
import { FrameDecoder, frameSize, writeFrame } from '../p2p/framing.ts';
import type { MessageStreamLike } from '../p2p/stream.ts';
import type { FrameChannel } from '../streamer/channel.ts';
import { COALESCE_BYTES, SMALL_WRITE, type StreamChannelOptions, violationKind } from './stream-options.ts';

type Chunk = Uint8Array | { subarray(): Uint8Array };

/**
 * A FrameChannel over one libp2p stream, with the node's varint length-prefixed framing: whole
 * messages, a byte cap checked before buffering, an idle timeout per read/write, back-pressure on
 * send. Iteration ends when the remote closes its side or the channel is closed locally; a framing
 * violation aborts the stream, is reported through onViolation and thrown from the iterator.
 *
 * Hot path: frames sent in the same event-loop turn are coalesced into one stream write (flushed at
 * COALESCE_BYTES, on setImmediate, or before close); all frames decoded from one incoming chunk are
 * yielded without further waiting, so timers are armed per transport read, not per message. The
 * idle timeouts run on the given clock; the coalescing flush is an event-loop turn (setImmediate),
 * not a time, so it runs at once whatever the clock.
 */
export class StreamChannel implements FrameChannel {
  readonly #stream: MessageStreamLike;
  readonly #o: StreamChannelOptions;
  readonly #clock: Clock;
  readonly #decoder: FrameDecoder;
  readonly #iter: AsyncIterator<Chunk>;
  readonly #inbox: Uint8Array[] = [];
  #ended = false;
  #closed = false;
  #onClosed: (() => void) | undefined;
  readonly #closedSignal: Promise<null>;
  /** The next write: coalesced frames in bytes [0, #used). */
  #buf: Uint8Array | undefined;
  #used = 0;
  /** Size of the next write's buffer: doubles when a turn fills one, halves when a turn barely uses it. */
  #hint = SMALL_WRITE;
  #frames = 0;
  #flushTimer: NodeJS.Immediate | undefined;
  #drain: Promise<void> | undefined;
  #writeError: unknown;
  /** Bytes of the budget this stream holds for its unfinished incoming frame. */
  #reserved = 0;

  constructor(stream: MessageStreamLike, options: StreamChannelOptions) {
    this.#stream = stream;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#decoder = new FrameDecoder(options.maxBytes);
    this.#iter = stream[Symbol.asyncIterator]();
    this.#closedSignal = new Promise<null>((resolve) => {
      this.#onClosed = () => resolve(null);
    });
    if (options.budget !== undefined) {
      // a stream that ends while nobody iterates still gives its reservation back
      const target = stream as { addEventListener?: (type: 'close', fn: () => void) => void };
      target.addEventListener?.('close', () => this.#releaseAll());
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(frame: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#enqueue(frame, undefined, options.signal);
  }

  /**
   * Sends `head` followed by `body` as ONE frame (the same bytes as send() of their concatenation),
   * each copied once into the outgoing write: for a small header in front of a large payload.
   */
  sendJoined(head: Uint8Array, body: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#enqueue(head, body, options.signal);
  }

  /** A frame already received and decoded, without waiting (see FrameChannel.takeBuffered). */
  takeBuffered(): Uint8Array | undefined {
    if (this.#closed) return undefined;
    const next = this.#inbox.shift();
    if (next !== undefined) this.#o.onMessage?.('in');
    return next;
  }

  /**
   * Sends `head` ++ `body` (body optional) as one frame NOW if no back-pressure wait is needed and
   * returns true; returns false, having sent nothing, when the caller must use send()/sendJoined()
   * (which wait for the drain). Throws as send() does on a closed channel or an oversized frame.
   * Lets a hot loop send without a promise per frame.
   */
  trySend(head: Uint8Array, body?: Uint8Array): boolean {
    const size = this.#check(head, body);
    for (;;) {
      if (this.#drain !== undefined) return false;
      this.#throwIfWriteFailed();
      if (this.#buf === undefined || this.#used + size <= this.#buf.byteLength) break;
      this.#hint = Math.min(COALESCE_BYTES, this.#hint * 2);
      this.#flush();
    }
    this.#write(head, body, size);
    return true;
  }

  async #enqueue(head: Uint8Array, body: Uint8Array | undefined, signal: AbortSignal | undefined) {
    if (this.#closed) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    if (signal?.aborted) {
      this.#abort(new MurmurError('MURMUR_ABORTED', 'operation aborted'));
      throw new MurmurError('MURMUR_ABORTED', 'operation aborted');
    }
    const size = this.#check(head, body);
    for (;;) {
      if (this.#drain !== undefined) await this.#waitDrain(signal);
      this.#throwIfWriteFailed();
      if (this.#buf === undefined || this.#used + size <= this.#buf.byteLength) break;
      // no room left: write what is buffered (then wait for its drain if needed), and start the
      // next write bigger: frames are coming faster than one small write per turn
      this.#hint = Math.min(COALESCE_BYTES, this.#hint * 2);
      this.#flush();
    }
    this.#write(head, body, size);
  }

  /** Closed and size checks of an outgoing frame; returns its framed size. */
  #check(head: Uint8Array, body: Uint8Array | undefined): number {
    if (this.#closed) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    const length = head.byteLength + (body?.byteLength ?? 0);
    if (length > this.#o.maxBytes) {
      this.#markClosed();
      throw new MurmurError(
        'MURMUR_FRAME_TOO_LARGE',
        `message of ${length} bytes over cap ${this.#o.maxBytes}`,
        {
          details: { size: length, max: this.#o.maxBytes },
        },
      );
    }
    return frameSize(length);
  }

  /** Writes one frame into the next write's buffer (room checked by the caller). */
  #write(head: Uint8Array, body: Uint8Array | undefined, size: number): void {
    const length = head.byteLength + (body?.byteLength ?? 0);
    // frames are written straight into the next write's buffer (one copy, no per-frame allocation)
    if (this.#buf === undefined) {
      // not zero-filled: only the written prefix [0, #used) is ever sent. Sized by the recent
      // traffic (#hint): a 64 KiB buffer per small message made V8 collect for its external memory
      // (a mark-compact every ~100 messages, live latency p99 ×3); small ones come from the pool
      const n = Math.max(this.#hint, size);
      this.#buf =
        n < SMALL_WRITE ? Buffer.allocUnsafe(n) : new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
    }
    const buf = this.#buf;
    let at = writeFrame(buf, this.#used, length, head);
    if (body !== undefined) {
      buf.set(body, at);
      at += body.byteLength;
    }
    this.#used = at;
    this.#frames++;
    if (buf.byteLength - at < 2) {
      this.#hint = Math.min(COALESCE_BYTES, this.#hint * 2); // full within one turn: grow
      this.#flush();
      this.#throwIfWriteFailed();
    } else {
      this.#flushTimer ??= setImmediate(() => {
        this.#flushTimer = undefined;
        // the turn ended with little buffered: the next write starts smaller again
        if (this.#used * 4 < this.#hint) this.#hint = Math.max(SMALL_WRITE, this.#hint / 2);
        this.#flush();
      });
    }
  }

  /** Writes the coalesced frames to the stream; back-pressure is awaited by the next send. */
  #flush(): void {
    if (this.#flushTimer !== undefined) {
      clearImmediate(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    const buf = this.#buf;
    if (buf === undefined || this.#writeError !== undefined) return;
    const data = this.#used === buf.byteLength ? buf : buf.subarray(0, this.#used);
    const frames = this.#frames;
    this.#buf = undefined;
    this.#used = 0;
    this.#frames = 0;
    // counted once per write, not per frame
    this.#o.onBytes?.('out', data.byteLength);
    this.#o.onMessage?.('out', frames);
    try {
      if (!this.#stream.send(data) && this.#drain === undefined) {
        this.#drain = this.#stream.onDrain().then(
          () => {
            this.#drain = undefined;
          },
          (err: unknown) => {
            this.#drain = undefined;
            this.#writeError ??= err;
          },
        );
      }
    } catch (err) {
      this.#writeError ??= err;
    }
  }

  #throwIfWriteFailed(): void {
    if (this.#writeError === undefined) return;
    this.#markClosed();
    throw new MurmurError('MURMUR_STREAMER_CLOSED', 'stream closed while sending', {
      cause: this.#writeError,
    });
  }

  async #waitDrain(signal: AbortSignal | undefined): Promise<void> {
    const ms = this.#o.idleTimeoutMs;
    let timer: TimerHandle | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () => reject(new MurmurError('MURMUR_TIMEOUT', `write not drained in ${ms} ms`)),
        ms,
        { ref: true },
      );
      onAbort = () => reject(new MurmurError('MURMUR_ABORTED', 'operation aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.#drain, stop]);
    } catch (err) {
      this.#abort(err as Error);
      throw err;
    } finally {
      this.#clock.clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  close(err?: Error): void {
    if (this.#closed) return;
    if (err !== undefined) {
      this.#abort(err);
      return;
    }
    this.#flush();
    this.#markClosed();
    this.#stream.close().catch((e: unknown) => this.#stream.abort(e as Error));
  }

  #abort(err: Error): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#buf = undefined;
    this.#used = 0;
    this.#frames = 0;
    this.#markClosed();
    this.#stream.abort(err);
  }

  #markClosed(): void {
    this.#closed = true;
    this.#onClosed?.();
    this.#releaseAll();
  }

  #releaseAll(): void {
    if (this.#reserved === 0) return;
    this.#o.budget?.release(this.#reserved);
    this.#reserved = 0;
  }

  /**
   * Keeps this stream's reservation equal to what its unfinished frame announced (its length once the
   * prefix is read, the few prefix bytes before); returns the budget's error when it cannot grow.
   */
  #account(): MurmurError | undefined {
    const budget = this.#o.budget;
    if (budget === undefined) return undefined;
    const want = this.#decoder.pending;
    const need = want >= 0 ? want : this.#decoder.buffered;
    if (need === this.#reserved) return undefined;
    if (need < this.#reserved) {
      budget.release(this.#reserved - need);
      this.#reserved = need;
      return undefined;
    }
    const err = budget.reserve(need - this.#reserved);
    if (err === undefined) this.#reserved = need;
    return err;
  }

  /**
   * The next transport chunk (null when closed locally meanwhile), bounded by the idle timeout, or by
   * the stall deadline when a frame has begun (the time counts only while this channel waits for the
   * peer, never while the application is busy with frames already received).
   */
  async #nextChunk(): Promise<IteratorResult<Chunk> | null> {
    const idle = this.#o.idleTimeoutMs;
    const stall = this.#o.stallTimeoutMs;
    const midFrame = stall !== undefined && stall < idle && this.#decoder.buffered > 0;
    const ms = midFrame ? stall : idle;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(
        () =>
          reject(
            midFrame
              ? new MurmurError(
                  'MURMUR_FRAME_STALLED',
                  `no byte of an unfinished message within ${ms} ms (${this.#decoder.buffered} of ${this.#decoder.pending} received)`,
                  { details: { received: this.#decoder.buffered, announced: this.#decoder.pending, ms } },
                )
              : new MurmurError('MURMUR_TIMEOUT', `no message within ${ms} ms`),
          ),
        ms,
        { ref: true },
      );
    });
    try {
      return await Promise.race([this.#iter.next(), this.#closedSignal, timeout]);
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#closed) return;
      const next = this.#inbox.shift();
      if (next !== undefined) {
        this.#o.onMessage?.('in');
        yield next;
        continue;
      }
      if (this.#ended) {
        if (this.#decoder.buffered > 0) {
          this.#markClosed();
          throw new MurmurError('MURMUR_STREAMER_CLOSED', 'stream closed', {
            cause: new MurmurError('MURMUR_STREAM_CLOSED', 'stream ended inside a message'),
          });
        }
        // the remote ended its side: finish ours too
        this.close();
        return;
      }
      let r: IteratorResult<Chunk> | null;
      try {
        r = await this.#nextChunk();
      } catch (err) {
        const wasClosed = this.#closed;
        if (isMurmurError(err) && err.code === 'MURMUR_TIMEOUT') {
          this.#abort(err);
          throw err;
        }
        if (isMurmurError(err) && err.code === 'MURMUR_FRAME_STALLED') {
          this.#violation(err);
          throw err;
        }
        this.#markClosed();
        if (wasClosed) return;
        throw new MurmurError('MURMUR_STREAMER_CLOSED', 'stream closed', { cause: err });
      }
      if (r === null) return;
      if (r.done === true) {
        this.#ended = true;
        continue;
      }
      const bytes = r.value instanceof Uint8Array ? r.value : r.value.subarray();
      this.#o.onBytes?.('in', bytes.byteLength);
      try {
        for (const m of this.#decoder.push(bytes)) this.#inbox.push(m);
      } catch (err) {
        this.#violation(err as Error);
        throw err;
      }
      const over = this.#account();
      if (over !== undefined) {
        // frames already complete are not delivered: the stream is reset at once
        this.#inbox.length = 0;
        this.#violation(over);
        throw over;
      }
    }
  }

  /** Aborts the stream for the remote's fault and reports it when the table strikes it. */
  #violation(err: Error): void {
    // a burst of the peer's streams over its budget or stalling together is one incident: the
    // budget tells the first (reported) from the repeats, claimed so nobody strikes them
    const code = isMurmurError(err) ? err.code : '';
    const repeat =
      (code === 'MURMUR_FRAME_BUDGET' || code === 'MURMUR_FRAME_STALLED') &&
      this.#o.budget?.incident(code) === false;
    if (repeat) claimStrike(err);
    this.#abort(err);
    if (repeat) return;
    const kind = violationKind(err);
    if (kind !== undefined) this.#o.onViolation?.(kind, err as MurmurError);
  }
}
