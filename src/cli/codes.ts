/** Stable error codes raised by src/cli, src/config and src/daemon (aggregated in src/errors/codes.ts). Append-only. */
export const CLI_CODES = {
  MURMUR_CONFIG_INVALID: 'A setting from a flag, an environment variable or <data>/config.json is invalid.',
  MURMUR_DEMO_FAILED:
    'murmur demo: the local network (overlay, tree, journal or file) did not converge in time.',
} as const satisfies Record<`MURMUR_${string}`, string>;
