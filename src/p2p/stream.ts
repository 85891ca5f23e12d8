import type { Stream } from '@libp2p/interface';
import { MurmurError } from '../errors/index.ts';
import { describeCause } from './cause.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_READ_TIMEOUT_MS } from './constants.ts';
import { encodeFrame, FrameDecoder } from './framing.ts';

export interface FramedOptions {
  /** Per-message byte cap (checked before buffering a body). */
  maxBytes?: number;
  /** Time allowed for each read or write. */
  timeoutMs?: number;
  /** Called with the byte counts crossing the stream (for metrics). */
  onBytes?: (direction: 'in' | 'out', bytes: number) => void;
}

export interface IoOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The minimal stream surface framing needs (a libp2p v3 Stream satisfies it). */
export type MessageStreamLike = Pick<Stream, 'send' | 'onDrain' | 'close' | 'abort'> &
  AsyncIterable<Uint8Array | { subarray(): Uint8Array }>;

/**
 * Reads and writes length-prefixed messages on a libp2p stream with a byte cap, a timeout and an
 * AbortSignal. Errors are MurmurErrors: MURMUR_FRAME_TOO_LARGE / MURMUR_FRAME_MALFORMED (the peer
 * misbehaved), MURMUR_STREAM_CLOSED, MURMUR_TIMEOUT, MURMUR_ABORTED.
 */
export class FramedStream {
  readonly stream: MessageStreamLike;
  readonly #decoder: FrameDecoder;
  readonly #iter: AsyncIterator<Uint8Array | { subarray(): Uint8Array }>;
  readonly #queue: Uint8Array[] = [];
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #onBytes: FramedOptions['onBytes'];
  #ended = false;

  constructor(stream: MessageStreamLike, options: FramedOptions = {}) {
    this.stream = stream;
    this.#max = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.#onBytes = options.onBytes;
    this.#decoder = new FrameDecoder(this.#max);
    this.#iter = stream[Symbol.asyncIterator]();
  }

  /** Next whole message, or null when the stream ended cleanly between messages. */
  async read(options: IoOptions = {}): Promise<Uint8Array | null> {
    return this.#guard(options, async () => {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) return next;
        if (this.#ended) {
          if (this.#decoder.buffered > 0) {
            throw new MurmurError('MURMUR_STREAM_CLOSED', 'stream ended inside a message');
          }
          return null;
        }
        const r = await this.#iter.next();
        if (r.done === true) {
          this.#ended = true;
          continue;
        }
        const bytes = r.value instanceof Uint8Array ? r.value : r.value.subarray();
        this.#onBytes?.('in', bytes.byteLength);
        this.#queue.push(...this.#decoder.push(bytes));
      }
    });
  }

  /** Like read() but a clean end is an error too. */
  async readOne(options: IoOptions = {}): Promise<Uint8Array> {
    const msg = await this.read(options);
    if (msg === null) throw new MurmurError('MURMUR_STREAM_CLOSED', 'stream ended before a message');
    return msg;
  }

  async write(message: Uint8Array, options: IoOptions = {}): Promise<void> {
    const frame = encodeFrame(message, this.#max);
    await this.#guard(options, async () => {
      this.#onBytes?.('out', frame.byteLength);
      if (!this.stream.send(frame)) await this.stream.onDrain();
    });
  }

  async close(options: IoOptions = {}): Promise<void> {
    await this.#guard(options, () => this.stream.close());
  }

  /** Runs op racing the timeout and the signal; on either, aborts the stream. */
  async #guard<T>(options: IoOptions, op: () => Promise<T>): Promise<T> {
    if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'operation aborted');
    const ms = options.timeoutMs ?? this.#timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MurmurError('MURMUR_TIMEOUT', `no message within ${ms} ms`)), ms);
      onAbort = () => reject(new MurmurError('MURMUR_ABORTED', 'operation aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([op(), stop]);
    } catch (err) {
      const e =
        err instanceof MurmurError
          ? err
          : new MurmurError('MURMUR_STREAM_CLOSED', `stream failed: ${describeCause(err)}`, {
              cause: err,
            });
      if (e.code !== 'MURMUR_STREAM_CLOSED') this.stream.abort(e);
      throw e;
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
