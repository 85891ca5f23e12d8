/** Stable error codes raised by src/node (aggregated in src/errors/codes.ts). Append-only. */
export const NODE_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
