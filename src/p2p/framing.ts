import { MurmurError } from '../errors/index.ts';
import { MAX_VARINT_BYTES } from './constants.ts';

/** Encodes an unsigned varint (LEB128). */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `bad varint value ${value}`);
  }
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

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
  const prefix = encodeVarint(message.byteLength);
  const out = new Uint8Array(prefix.byteLength + message.byteLength);
  out.set(prefix, 0);
  out.set(message, prefix.byteLength);
  return out;
}

/**
 * Incremental decoder of varint-length-prefixed frames. push() bytes as they arrive (split anywhere);
 * it returns every complete frame. The announced length is checked against the cap BEFORE any body is
 * buffered: over the cap → MURMUR_FRAME_TOO_LARGE; an over-long varint → MURMUR_FRAME_MALFORMED. After a
 * throw the decoder is poisoned (the stream must be dropped).
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
    let value = 0;
    let mul = 1;
    let i = 0;
    for (const chunk of this.#chunks) {
      for (const byte of chunk) {
        value += (byte & 0x7f) * mul;
        i++;
        if ((byte & 0x80) === 0) {
          if (i > 1 && byte === 0) {
            throw new MurmurError('MURMUR_FRAME_MALFORMED', 'non-minimal varint length prefix');
          }
          if (value > this.#max) {
            throw new MurmurError(
              'MURMUR_FRAME_TOO_LARGE',
              `announced ${value} bytes over cap ${this.#max}`,
              {
                details: { size: value, max: this.#max },
              },
            );
          }
          this.#take(i);
          this.#want = value;
          return true;
        }
        if (i >= MAX_VARINT_BYTES) {
          throw new MurmurError('MURMUR_FRAME_MALFORMED', 'varint length prefix too long');
        }
        mul *= 0x80;
      }
    }
    return false;
  }

  /** Removes and returns the first n buffered bytes. */
  #take(n: number): Uint8Array {
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
