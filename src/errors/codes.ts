import { defineCodes } from './registry.ts';

/**
 * The codes every module raises. Each module keeps its own codes in its `codes.ts` (`defineCodes`,
 * plus its table's type merged into `ErrorCodes`); docs/ERRORS.md is generated from the registered
 * tables (`npm run docs:errors`) and a test keeps the two equal. Codes are append-only: never rename
 * or reuse one.
 */
export const CORE_CODES = defineCodes({
  MURMUR_INVALID_ARGUMENT: {
    message: 'An argument given by the caller is malformed or out of range.',
    http: 400,
  },
  MURMUR_ABORTED: { message: 'The operation was cancelled through its AbortSignal.', http: 499 },
  MURMUR_TIMEOUT: { message: 'The operation did not finish within its time limit.', http: 504 },
  MURMUR_IO: { message: 'A file-system or socket operation failed.', http: 500 },
});

type CoreCodes = typeof CORE_CODES;

declare module './types.ts' {
  interface ErrorCodes extends CoreCodes {}
}
