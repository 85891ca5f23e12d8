/** Stable error codes raised by src/peers (aggregated in src/errors/codes.ts). Append-only. */
export const PEERS_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
