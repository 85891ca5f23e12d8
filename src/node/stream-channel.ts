import { isMurmurError, MurmurError } from '../errors/index.ts';
import { FramedStream, type MessageStreamLike } from '../p2p/stream.ts';
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

/** Maps a framing error to the strike kind the node uses for it, or undefined for other errors. */
export function violationKind(err: unknown): 'oversized' | 'undecodable' | undefined {
  if (!isMurmurError(err)) return undefined;
  if (err.code === 'MURMUR_FRAME_TOO_LARGE') return 'oversized';
  if (err.code === 'MURMUR_FRAME_MALFORMED') return 'undecodable';
  return undefined;
}

/**
 * A FrameChannel over one libp2p stream, with the node's varint length-prefixed framing: whole
 * messages, a byte cap checked before buffering, an idle timeout per read/write, back-pressure on
 * send. Iteration ends when the remote closes its side or the channel is closed locally; a framing
 * violation aborts the stream, is reported through onViolation and thrown from the iterator.
 */
export class StreamChannel implements FrameChannel {
  readonly #framed: FramedStream;
  readonly #stream: MessageStreamLike;
  readonly #o: StreamChannelOptions;
  #closed = false;
  #onClosed: (() => void) | undefined;
  readonly #closedSignal: Promise<null>;

  constructor(stream: MessageStreamLike, options: StreamChannelOptions) {
    this.#stream = stream;
    this.#o = options;
    const framedOpts: ConstructorParameters<typeof FramedStream>[1] = {
      maxBytes: options.maxBytes,
      timeoutMs: options.idleTimeoutMs,
    };
    if (options.onBytes !== undefined) framedOpts.onBytes = options.onBytes;
    this.#framed = new FramedStream(stream, framedOpts);
    this.#closedSignal = new Promise<null>((resolve) => {
      this.#onClosed = () => resolve(null);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async send(frame: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    try {
      await this.#framed.write(frame, options.signal === undefined ? {} : { signal: options.signal });
    } catch (err) {
      this.#markClosed();
      if (isMurmurError(err) && err.code !== 'MURMUR_STREAM_CLOSED') throw err;
      throw new MurmurError('MURMUR_STREAMER_CLOSED', 'stream closed while sending', { cause: err });
    }
    this.#o.onMessage?.('out');
  }

  close(err?: Error): void {
    if (this.#closed) return;
    this.#markClosed();
    if (err !== undefined) {
      this.#stream.abort(err);
      return;
    }
    this.#stream.close().catch((e: unknown) => this.#stream.abort(e as Error));
  }

  #markClosed(): void {
    this.#closed = true;
    this.#onClosed?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#closed) return;
      let msg: Uint8Array | null;
      try {
        msg = await Promise.race([this.#framed.read(), this.#closedSignal]);
      } catch (err) {
        const wasClosed = this.#closed;
        this.#markClosed();
        const kind = violationKind(err);
        if (kind !== undefined) {
          this.#o.onViolation?.(kind, err as MurmurError);
          throw err;
        }
        if (wasClosed) return;
        if (isMurmurError(err) && err.code === 'MURMUR_TIMEOUT') throw err;
        throw new MurmurError('MURMUR_STREAMER_CLOSED', 'stream closed', { cause: err });
      }
      if (msg === null) {
        if (!this.#closed) {
          // the remote ended its side: finish ours too
          this.close();
        }
        return;
      }
      this.#o.onMessage?.('in');
      yield msg;
    }
  }
}
