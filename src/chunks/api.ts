import './codes.ts';
import { MurmurError } from '../errors/index.ts';
import { hex } from './chunk.ts';
import type { PinInfo } from './gc/pins.ts';
import { parseAddress } from './routes.ts';
import type { ChunksService } from './service.ts';

/** Options every chunks call takes. */
export interface ChunksCallOptions {
  /** Cancels the call (MURMUR_ABORTED; a stream being read errors with it). */
  signal?: AbortSignal;
}

/** What `put()` takes. */
export interface ChunksPutOptions extends ChunksCallOptions {
  /** Told the bytes stored so far, after each batch of chunks (and once at the end). */
  onProgress?: (bytes: bigint) => void;
  /** Pin the file once stored: its chunks are never evicted (`murmur file put --pin`). */
  pin?: boolean;
}

/** What `get()` and `bytes()` take. */
export interface ChunksGetOptions extends ChunksCallOptions {
  /** Told the bytes read so far, after each piece. */
  onProgress?: (bytes: bigint) => void;
  /** Data chunks fetched ahead of the reader (default 32; memory about concurrency × 4 KiB). */
  concurrency?: number;
}

/** A stored file: the root address that names it (hex), its length, its chunk count. */
export interface StoredFile {
  root: string;
  span: bigint;
  chunks: number;
  pinned: boolean;
}

/** The bytes a file is made of: one buffer, a web ReadableStream, or any (async) iterable of buffers. */
export type FileSource =
  | Uint8Array
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/**
 * The typed library API of content-addressed files, what `murmur file` / `murmur pin` do, on a
 * running node: `node.chunks` when the node runs a ChunksService (or `new ChunksApi(service)`). A
 * file put here is split into 4 KiB chunks in the local store and spread to peers by pull-sync;
 * `get(root)` on any node reads it back, chunks missing locally retrieved across the overlay, each
 * verified against its address. Errors are MurmurErrors with MURMUR_CHUNKS_* codes (docs/ERRORS.md).
 *
 * @example
 * ```ts
 * const { root } = await node.chunks.put(bytes, { onProgress: (n) => console.log(n) });
 * for await (const piece of other.chunks.get(root)) process.stdout.write(piece);
 * ```
 */
export class ChunksApi {
  readonly #service: ChunksService;

  constructor(service: ChunksService) {
    this.#service = service;
  }

  /** Stores a file; its root address (hex) names it on every node. */
  async put(source: FileSource, options: ChunksPutOptions = {}): Promise<StoredFile> {
    const r = await this.#service.put(piecesOf(source), {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.pin === undefined ? {} : { pin: options.pin }),
    });
    return { root: hex(r.root), span: r.span, chunks: r.chunks, pinned: r.pinned };
  }

  /**
   * The file of root address `root` as a web ReadableStream of its bytes in order (also an async
   * iterable). It errors with MURMUR_CHUNKS_NOT_FOUND when a chunk can be found neither here nor on
   * the network, and with MURMUR_ABORTED when `signal` fires.
   */
  get(root: string | Uint8Array, options: ChunksGetOptions = {}): ReadableStream<Uint8Array> {
    const address = addressOf(root);
    const pieces = this.#service.get(address, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    });
    let read = 0n;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await pieces.next();
        if (next.done === true) return controller.close();
        read += BigInt(next.value.length);
        controller.enqueue(next.value);
        options.onProgress?.(read);
      },
      async cancel() {
        await pieces.return(undefined);
      },
    });
  }

  /** The whole file in one buffer (for small files; `get()` streams). */
  async bytes(root: string | Uint8Array, options: ChunksGetOptions = {}): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const piece of this.get(root, options)) parts.push(piece);
    return new Uint8Array(Buffer.concat(parts));
  }

  /** Pins a file: chunks not held here are retrieved first, then none is evicted (`murmur pin add`). */
  pin(root: string | Uint8Array, options: ChunksCallOptions = {}): Promise<PinInfo> {
    return this.#service.pin(addressOf(root), options);
  }

  /** Unpins a file (its chunks may be evicted again when the store is over capacity). */
  unpin(root: string | Uint8Array, options: ChunksCallOptions = {}): Promise<PinInfo> {
    return this.#service.unpin(addressOf(root), options);
  }

  /** The pinned files. */
  pins(options: ChunksCallOptions = {}): Promise<PinInfo[]> {
    return this.#service.pins(options);
  }
}

function addressOf(root: string | Uint8Array): Uint8Array {
  if (root instanceof Uint8Array) {
    if (root.length !== 32) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a chunk address is 32 bytes');
    return root;
  }
  return parseAddress(root);
}

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof (s as ReadableStream | undefined)?.getReader === 'function';
}

async function* fromReadable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function piecesOf(source: FileSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (source instanceof Uint8Array) return [source];
  if (isReadableStream(source)) return fromReadable(source);
  if (
    source !== null &&
    typeof source === 'object' &&
    (Symbol.asyncIterator in source || Symbol.iterator in source)
  )
    return source;
  throw new MurmurError(
    'MURMUR_INVALID_ARGUMENT',
    'a file is a Uint8Array, a ReadableStream or an iterable of Uint8Array',
  );
}
