import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/store: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const STORE_CODES = defineCodes({
  MURMUR_DATA_IN_USE: {
    message: 'The data folder is already used by another running murmur process.',
    http: 400,
  },
  MURMUR_STORE_FORMAT: {
    message: 'The store was written by a newer murmur (format version) or its meta record is unreadable.',
    http: 400,
  },
  MURMUR_STORE_OPEN: { message: 'The key/value store could not be opened.', http: 400 },
});

type StoreCodes = typeof STORE_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends StoreCodes {}
}
