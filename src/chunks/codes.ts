/** Stable error codes raised by src/chunks (aggregated in src/errors/codes.ts). Append-only. */
export const CHUNKS_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
