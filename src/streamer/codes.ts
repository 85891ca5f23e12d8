/** Stable error codes raised by src/streamer (aggregated in src/errors/codes.ts). Append-only. */
export const STREAMER_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
