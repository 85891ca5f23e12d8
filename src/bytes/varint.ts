import { MurmurError } from '../errors/index.ts';

/**
 * Unsigned LEB128 varints (the protobuf encoding), written by hand for the hot paths: frame length
 * prefixes (src/p2p/framing.ts, src/node/stream-channel.ts), pull-sync deliveries
 * (src/chunks/pullsync/messages.ts) and journal events and log chunks (src/journals/wire.ts,
 * chunk-log.ts). No allocation per value, exact for every safe integer (up to 2^53 - 1: arithmetic,
 * not 32-bit shifts). Code off the hot paths uses `@bufbuild/protobuf/wire` (BinaryReader /
 * BinaryWriter) instead.
 */

/** Longest varint of a 64-bit value. */
export const MAX_VARINT_BYTES = 10;

/** Builds the error thrown for malformed input; each caller passes its module's code. */
export type MalformedError = (why: string) => MurmurError;

const invalidInput: MalformedError = (why) => new MurmurError('MURMUR_INVALID_ARGUMENT', why);

/** Bytes of the varint of `n` (a non-negative safe integer; not checked). */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  let size = 4;
  for (let v = Math.floor(n / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/**
 * Writes the varint of `n` at `buf[pos]` and returns the position after it. Hot path: the caller
 * has checked that `n` is a non-negative safe integer and that varintSize(n) bytes fit.
 */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

/** The varint of `value` (MURMUR_INVALID_ARGUMENT unless it is a non-negative safe integer). */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `bad varint value ${value}`);
  }
  const out = new Uint8Array(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

/** tryVarint's answer when the bytes end inside the varint. */
export const VARINT_TRUNCATED = -1;
/** tryVarint's answer when the varint is longer than allowed or its value is not a safe integer. */
export const VARINT_TOO_LONG = -2;

/**
 * A cursor over bytes: fixed bytes, varints and views, each read checked against the end. Malformed
 * input throws the error built by `malformed` (MURMUR_INVALID_ARGUMENT unless the caller gives its
 * own code), never returns a wrong value. Views share the buffer (no copies).
 */
export class ByteReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly #malformed: MalformedError;

  constructor(buf: Uint8Array, malformed: MalformedError = invalidInput, pos = 0) {
    this.buf = buf;
    this.pos = pos;
    this.#malformed = malformed;
  }

  /** Bytes left after the cursor. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw this.#malformed('truncated');
    return this.buf[this.pos++]!;
  }

  /** The next `n` bytes as a view. */
  bytes(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) throw this.#malformed('truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * The varint at the cursor, of at most `maxBytes` bytes. Throws 'truncated varint' when the bytes
   * end inside it, 'varint too long' past maxBytes, 'number out of range' above 2^53 - 1.
   */
  varint(maxBytes = MAX_VARINT_BYTES): number {
    const v = this.tryVarint(maxBytes);
    if (v >= 0) return v;
    if (v === VARINT_TRUNCATED) throw this.#malformed('truncated varint');
    throw this.#malformed(this.#overlong(maxBytes) ? 'varint too long' : 'number out of range');
  }

  /**
   * Like varint() without throwing: VARINT_TRUNCATED or VARINT_TOO_LONG (cursor unchanged) instead.
   * The fast decoders use it to fall back to a slower path.
   */
  tryVarint(maxBytes = MAX_VARINT_BYTES): number {
    const buf = this.buf;
    let p = this.pos;
    const b0 = buf[p];
    if (b0 === undefined) return VARINT_TRUNCATED;
    if (b0 < 0x80) {
      this.pos = p + 1;
      return b0;
    }
    let value = 0;
    let mul = 1;
    const end = Math.min(buf.length, p + maxBytes);
    while (p < end) {
      const b = buf[p++]!;
      value += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) return VARINT_TOO_LONG;
        this.pos = p;
        return value;
      }
      mul *= 0x80;
    }
    return p - this.pos >= maxBytes ? VARINT_TOO_LONG : VARINT_TRUNCATED;
  }

  /** Whether the varint at the cursor runs past maxBytes (for the error message only). */
  #overlong(maxBytes: number): boolean {
    for (let i = 0; i < maxBytes; i++) if ((this.buf[this.pos + i] ?? 0) < 0x80) return false;
    return true;
  }
}

/** Decodes one varint that must fill `bytes` exactly (MURMUR_INVALID_ARGUMENT otherwise). */
export function decodeVarint(bytes: Uint8Array, malformed: MalformedError = invalidInput): number {
  const r = new ByteReader(bytes, malformed);
  const v = r.varint();
  if (!r.atEnd()) throw malformed('trailing bytes after varint');
  return v;
}
