/** Stable error codes raised by src/hbbp (aggregated in src/errors/codes.ts). Append-only. */
export const HBBP_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
