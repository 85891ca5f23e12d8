/** Stable error codes raised by src/p2ptbl (aggregated in src/errors/codes.ts). Append-only. */
export const P2PTBL_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
