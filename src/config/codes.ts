import { defineCodes } from '../errors/index.ts';

/**
 * Stable error codes of the node's settings (src/config, and the setting parsers of src/service that
 * the data kinds' `configure()` use): message, local API status, strike kind (see src/errors/types.ts).
 * Append-only.
 */
export const CONFIG_CODES = defineCodes({
  MURMUR_CONFIG_INVALID: {
    message: 'A setting from a flag, an environment variable or <data>/config.json is invalid.',
    http: 400,
  },
});

type ConfigCodes = typeof CONFIG_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends ConfigCodes {}
}
