/** Stable error codes raised by src/store (aggregated in src/errors/codes.ts). Append-only. */
export const STORE_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
