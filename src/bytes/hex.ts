import { MurmurError } from '../errors/index.ts';

/**
 * Lower-case hex of bytes and back. toHex reads the bytes in place (no copy); fromHex checks its
 * input and throws MURMUR_INVALID_ARGUMENT (or the caller's own error) instead of Buffer's silent
 * truncation at the first bad digit.
 */

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Whether `text` is hex (either case, even length), of exactly `length` bytes if given. */
export function isHex(text: unknown, length?: number): boolean {
  return typeof text === 'string' && (length === undefined || text.length === length * 2) && HEX.test(text);
}

/**
 * The bytes of hex `text` (either case), of exactly `length` bytes if given. Anything else throws
 * `error()` if given, else MURMUR_INVALID_ARGUMENT.
 */
export function fromHex(text: string, length?: number, error?: () => MurmurError): Uint8Array {
  if (!isHex(text, length)) {
    throw (
      error?.() ?? new MurmurError('MURMUR_INVALID_ARGUMENT', `expected ${length ?? 'some'} bytes of hex`)
    );
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}
