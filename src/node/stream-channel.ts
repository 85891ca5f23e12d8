import { isMurmurError, MurmurError } from '../errors/index.ts';
import { encodeFrame, FrameDecoder } from '../p2p/framing.ts';
import type { MessageStreamLike } from '../p2p/stream.ts';
import type { FrameChannel } from '../streamer/channel.ts';

export interface StreamChannelOptions {
  /** Per-message byte cap (checked before a body is buffered). */
  maxBytes: number;
  /** Idle time allowed while waiting for the next message or for a write to drain. */
  idleTimeoutMs: number;
  /** Byte counts crossing the stream. */
  onBytes?: (direction: 'in' | 'out', bytes: number) => void;
  /** One whole message crossed the stream. */
  onMessage?: (direction: 'in' | 'out') => void;
  /** The remote sent an oversized or malformed frame (the stream is already aborted). */
  onViolation?: (kind: 'oversized' | 'undecodable', err: MurmurError) => void;
}

/**
 * Frames sent in one turn of the event loop are written to the stream together, up to this many bytes
 * per write: one Noise message and one yamux frame for many small messages (the byte stream on the wire
 * is the same as with one write per frame).
 */
export const COALESCE_BYTES = 64 * 1024;

/** Maps a framing error to the strike kind the node uses for it, or undefined for other errors. */
export function violationKind(err: unknown): 'oversized' | 'undecodable' | undefined {
  if (!isMurmurError(err)) return undefined;
  if (err.code === 'MURMUR_FRAME_TOO_LARGE') return 'oversized';
  if (err.code === 'MURMUR_FRAME_MALFORMED') return 'undecodable';
  return undefined;
}

type Chunk = Uint8Array | { subarray(): Uint8Array };

/**
 * A FrameChannel over one libp2p stream, with the node's varint length-prefixed framing: whole
 * messages, a byte cap checked before buffering, an idle timeout per read/write, back-pressure on
 * send. Iteration ends when the remote closes its side or the channel is closed locally; a framing
 * violation aborts the stream, is reported through onViolation and thrown from the iterator.
 *
 * Hot path: frames sent in the same event-loop turn are coalesced into one stream write (flushed at
 * COALESCE_BYTES, on setImmediate, or before close); all frames decoded from one incoming chunk are
 * yielded without further waiting, so timers are armed per transport read, not per message.
 */
export class StreamChannel implements FrameChannel {
  readonly #stream: MessageStreamLike;
  readonly #o: StreamChannelOptions;
  readonly #decoder: FrameDecoder;
  readonly #iter: AsyncIterator<Chunk>;
  readonly #inbox: Uint8Array[] = [];
  #ended = false;
  #closed = false;
  #onClosed: (() => void) | undefined;
  readonly #closedSignal: Promise<null>;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushTimer: NodeJS.Immediate | undefined;
  #drain: Promise<void> | undefined;
  #writeError: unknown;

  constructor(stream: MessageStreamLike, options: StreamChannelOptions) {
    this.#stream = stream;
    this.#o = options;
    this.#decoder = new FrameDecoder(options.maxBytes);
    this.#iter = stream[Symbol.asyncIterator]();
    this.#closedSignal = new Promise<null>((resolve) => {
      this.#onClosed = () => resolve(null);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async send(frame: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    if (options.signal?.aborted) {
      this.#abort(new MurmurError('MURMUR_ABORTED', 'operation aborted'));
      throw new MurmurError('MURMUR_ABORTED', 'operation aborted');
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame, this.#o.maxBytes);
    } catch (err) {
      this.#markClosed();
      throw err;
    }
    if (this.#drain !== undefined) await this.#waitDrain(options.signal);
    this.#throwIfWriteFailed();
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    this.#o.onBytes?.('out', bytes.byteLength);
    if (this.#pendingBytes >= COALESCE_BYTES) {
      this.#flush();
      this.#throwIfWriteFailed();
    } else {
      this.#flushTimer ??= setImmediate(() => {
        this.#flushTimer = undefined;
        this.#flush();
      });
    }
    this.#o.onMessage?.('out');
  }

  /** Writes the coalesced frames to the stream; back-pressure is awaited by the next send. */
  #flush(): void {
    if (this.#flushTimer !== undefined) {
      clearImmediate(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    if (this.#pending.length === 0 || this.#writeError !== undefined) return;
    const parts = this.#pending;
    const data = parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts, this.#pendingBytes));
    this.#pending = [];
    this.#pendingBytes = 0;
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
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new MurmurError('MURMUR_TIMEOUT', `write not drained in ${ms} ms`)),
        ms,
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
      clearTimeout(timer);
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
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#markClosed();
    this.#stream.abort(err);
  }

  #markClosed(): void {
    this.#closed = true;
    this.#onClosed?.();
  }

  /** The next transport chunk (null when closed locally meanwhile), bounded by the idle timeout. */
  async #nextChunk(): Promise<IteratorResult<Chunk> | null> {
    const ms = this.#o.idleTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MurmurError('MURMUR_TIMEOUT', `no message within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.#iter.next(), this.#closedSignal, timeout]);
    } finally {
      clearTimeout(timer);
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
        this.#abort(err as Error);
        const kind = violationKind(err);
        if (kind !== undefined) this.#o.onViolation?.(kind, err as MurmurError);
        throw err;
      }
    }
  }
}
