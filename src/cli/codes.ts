import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/cli and src/daemon: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const CLI_CODES = defineCodes({
  MURMUR_DEMO_FAILED: {
    message: 'murmur demo: the local network (overlay, tree, journal or file) did not converge in time.',
    http: 500,
  },
  MURMUR_CLI_USAGE: {
    message: 'The command line is not valid: an unknown command or option, or a missing or bad argument.',
    http: 400,
  },
  MURMUR_CLI_FILE_NOT_FOUND: {
    message: 'A file named on the command line does not exist.',
    http: 404,
  },
  MURMUR_CLI_INTERNAL: {
    message:
      'An unexpected error inside the command (not a MurmurError); run with MURMUR_DEBUG=1 for the stack.',
    http: 500,
  },
});

type CliCodes = typeof CLI_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends CliCodes {}
}
