import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/store: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const STORE_CODES = defineCodes({
  MURMUR_DATA_IN_USE: {
    message: 'The data folder is already used by another running murmur process.',
    http: 409,
  },
  MURMUR_STORE_FORMAT: {
    message: 'The store was written by a newer murmur (format version) or its meta record is unreadable.',
    http: 400,
  },
  MURMUR_STORE_OPEN: { message: 'The key/value store could not be opened.', http: 400 },
  MURMUR_DISK_FULL: {
    message:
      'The disk holding the data folder is full: a store write failed with ENOSPC, and the store refuses writes (reads work) until it is reopened once space is back.',
    http: 507,
  },
  MURMUR_STORE_FAILED: {
    message:
      'A store write or sync failed: the store refuses writes (reads work) until it is reopened; the node exits if it cannot be.',
    http: 503,
  },
});

type StoreCodes = typeof STORE_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends StoreCodes {}
}
