/** Stable error codes raised by src/api (aggregated in src/errors/codes.ts). Append-only. */
export const API_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
