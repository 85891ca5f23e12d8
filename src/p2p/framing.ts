import './codes.ts';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ByteReader, VARINT_TOO_LONG, varintSize, writeVarint } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import { MAX_VARINT_BYTES } from './constants.ts';

/**
 * Varint-length-prefixed frames. encodeFrame (one control message at a time) is off the hot path and
 * uses `@bufbuild/protobuf/wire`; frameSize / writeFrame (the batched channel writer) and FrameDecoder
 * (every frame received) are hot and use src/bytes' hand-written varint.
 */

export { encodeVarint } from '../bytes/index.ts';

/** One message prefixed with its varint length. */
export function encodeFrame(message: Uint8Array, maxBytes: number): Uint8Array {
  if (message.byteLength > maxBytes) {
    throw new MurmurError(
      'MURMUR_FRAME_TOO_LARGE',
      `message of ${message.byteLength} bytes over cap ${maxBytes}`,
      {
        details: { size: message.byteLength, max: maxBytes },
      },
    );
  }
  return new BinaryWriter().bytes(message).finish();
}

/** Bytes of a frame (varint prefix + body) carrying a message of `length` bytes (< 2^35). */
export function frameSize(length: number): number {
  return varintSize(length) + length;
}

/**
 * Writes a frame of `length` bytes into `out` at `pos`: the varint length, then `message` (all of the
 * frame, or its first part when the caller writes the rest after it). The caller has checked the cap
 * and that frameSize(length) bytes fit. Returns the position after `message`.
 */
export function writeFrame(out: Uint8Array, pos: number, length: number, message: Uint8Array): number {
  const p = writeVarint(out, pos, length);
  out.set(message, p);
  return p + message.byteLength;
}

/**
 * Incremental decoder of varint-length-prefixed frames. push() bytes as they arrive (split anywhere);
 * it returns every complete frame. The announced length is checked against the cap BEFORE any body is
 * buffered: over the cap → MURMUR_FRAME_TOO_LARGE; an over-long varint → MURMUR_FRAME_MALFORMED. After a
 * throw the decoder is poisoned (the stream must be dropped). A frame lying within one pushed chunk is
 * returned as a view into that chunk (no copy): callers must not push buffers they later overwrite.
 */
export class FrameDecoder {
  readonly #max: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #want = -1;
  #failed: MurmurError | undefined;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * The announced length of the frame being assembled once its prefix is read (its body has not all
   * arrived), or -1 between frames and while the prefix itself is incomplete.
   */
  get pending(): number {
    return this.#want;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed !== undefined) throw this.#failed;
    if (chunk.byteLength > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.byteLength;
    }
    const out: Uint8Array[] = [];
    try {
      for (;;) {
        if (this.#want < 0 && !this.#readLength()) break;
        if (this.#buffered < this.#want) break;
        out.push(this.#take(this.#want));
        this.#want = -1;
      }
    } catch (err) {
      this.#failed = err as MurmurError;
      throw err;
    }
    return out;
  }

  /** Parses the length prefix if enough bytes are present; false if more are needed. */
  #readLength(): boolean {
    const head = this.#chunks[0];
    if (head === undefined) return false;
    // the prefix nearly always lies in the first chunk; else join the first few bytes of the next ones
    const r = new ByteReader(
      head.byteLength >= MAX_VARINT_BYTES || this.#chunks.length === 1 ? head : this.#prefixBytes(),
    );
    const value = r.tryVarint(MAX_VARINT_BYTES);
    if (value === VARINT_TOO_LONG) {
      throw new MurmurError('MURMUR_FRAME_MALFORMED', 'varint length prefix too long');
    }
    if (value < 0) return false; // truncated: wait for more bytes
    if (r.pos !== varintSize(value)) {
      throw new MurmurError('MURMUR_FRAME_MALFORMED', 'non-minimal varint length prefix');
    }
    if (value > this.#max) {
      throw new MurmurError('MURMUR_FRAME_TOO_LARGE', `announced ${value} bytes over cap ${this.#max}`, {
        details: { size: value, max: this.#max },
      });
    }
    this.#skip(r.pos);
    this.#want = value;
    return true;
  }

  /** The first (up to MAX_VARINT_BYTES) buffered bytes, joined across chunks. */
  #prefixBytes(): Uint8Array {
    const out = new Uint8Array(Math.min(MAX_VARINT_BYTES, this.#buffered));
    let n = 0;
    for (const chunk of this.#chunks) {
      for (let k = 0; k < chunk.length && n < out.length; k++) out[n++] = chunk[k]!;
      if (n === out.length) break;
    }
    return out;
  }

  /** Drops the first n buffered bytes. */
  #skip(n: number): void {
    let left = n;
    while (left > 0) {
      const head = this.#chunks[0]!;
      if (head.byteLength <= left) {
        left -= head.byteLength;
        this.#chunks.shift();
      } else {
        this.#chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
  }

  /**
   * Removes and returns the first n buffered bytes: a view into the pushed chunk when the frame lies
   * within one chunk (no copy), otherwise one copy joining the pieces.
   */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first === undefined || n === 0) return new Uint8Array(0);
    if (first.byteLength >= n) {
      if (first.byteLength === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#chunks[0]!;
      const need = n - filled;
      if (head.byteLength <= need) {
        out.set(head, filled);
        filled += head.byteLength;
        this.#chunks.shift();
      } else {
        out.set(head.subarray(0, need), filled);
        this.#chunks[0] = head.subarray(need);
        filled += need;
      }
    }
    this.#buffered -= n;
    return out;
  }
}
