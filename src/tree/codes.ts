/** Stable error codes raised by src/tree (aggregated in src/errors/codes.ts). Append-only. */
export const TREE_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
