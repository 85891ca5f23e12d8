import { randomBytes } from 'node:crypto';
import { VERSION_RANDOM_BITS } from './constants.ts';

/** The version of an update: old + 1 + r, r uniform in [0, 2^32) (crypto random), arbitrary precision. */
export function nextVersion(old: bigint | undefined): bigint {
  const r = BigInt(`0x${randomBytes(VERSION_RANDOM_BITS / 8).toString('hex')}`);
  return (old ?? 0n) + 1n + r;
}
