/**
 * Byte plumbing shared by every module: varints (hand-written for the hot paths; code off them uses
 * `@bufbuild/protobuf/wire`), hex, equality. A foundation layer: it imports nothing but src/errors.
 */
export { bytesEqual, compareBytes } from './equal.ts';
export { fromHex, isHex, toHex } from './hex.ts';
export {
  ByteReader,
  decodeVarint,
  encodeVarint,
  MAX_VARINT_BYTES,
  type MalformedError,
  VARINT_TOO_LONG,
  VARINT_TRUNCATED,
  varintSize,
  writeVarint,
} from './varint.ts';
