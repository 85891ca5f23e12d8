/** Stable error codes raised by src/journals (aggregated in src/errors/codes.ts). Append-only. */
export const JOURNALS_CODES = {} as const satisfies Record<`MURMUR_${string}`, string>;
