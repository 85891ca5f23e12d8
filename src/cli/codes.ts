/** Stable error codes raised by src/cli (aggregated in src/errors/codes.ts). Append-only. */
export const CLI_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
