import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/journals: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const JOURNALS_CODES = defineCodes({
  MURMUR_JOURNAL_BAD_ID: {
    message: 'A journal id is not `<64 hex writer key>/<name>` with a valid name.',
    http: 400,
  },
  MURMUR_JOURNAL_NOT_FOUND: { message: 'This node holds no journal with that id.', http: 404 },
  MURMUR_JOURNAL_EXISTS: { message: 'A journal with that id already exists.', http: 409 },
  MURMUR_JOURNAL_NOT_WRITER: {
    message: 'Only the journal writer (holder of its private key) may append or snapshot.',
    http: 403,
  },
  MURMUR_JOURNAL_TOO_LARGE: {
    message: 'An event, batch, snapshot or message exceeds its hard size cap.',
    http: 413,
    strike: 'oversized',
  },
  MURMUR_JOURNAL_BAD_MESSAGE: {
    message: 'Bytes from a peer or the disk do not decode as a journal message.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_JOURNAL_FORGED: {
    message: 'An event or snapshot does not hash-chain or its writer signature does not verify.',
    http: 400,
    strike: 'forged',
  },
  MURMUR_JOURNAL_GAP: {
    message: 'Events do not continue the verified sequence (a gap, reorder or duplicate).',
    http: 400,
    strike: 'protocol',
  },
  MURMUR_JOURNAL_FORK: {
    message: 'The writer signed two different events (or snapshots) for the same sequence number.',
    http: 400,
    strike: 'forged',
  },
  MURMUR_JOURNAL_COMPACTED: {
    message: 'The requested events were deleted by compaction; read the snapshot first.',
    http: 410,
  },
  MURMUR_JOURNAL_BAD_SNAPSHOT: {
    message: 'A snapshot is out of range (beyond the head, or older than the stored one).',
    http: 400,
  },
  MURMUR_JOURNAL_CLOSED: { message: 'The journals store was closed.', http: 400 },
  MURMUR_JOURNAL_BAD_KEY: {
    message: 'The journal writer key file cannot be read or is not a 32-byte Ed25519 seed.',
    http: 400,
  },
});

type JournalsCodes = typeof JOURNALS_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends JournalsCodes {}
}
