/** Stable error codes raised by src/overlay (aggregated in src/errors/codes.ts). Append-only. */
export const OVERLAY_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
