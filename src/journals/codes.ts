/** Stable error codes raised by src/journals (aggregated in src/errors/codes.ts). Append-only. */
export const JOURNALS_CODES = {
  MURMUR_JOURNAL_BAD_ID: 'A journal id is not `<64 hex writer key>/<name>` with a valid name.',
  MURMUR_JOURNAL_NOT_FOUND: 'This node holds no journal with that id.',
  MURMUR_JOURNAL_EXISTS: 'A journal with that id already exists.',
  MURMUR_JOURNAL_NOT_WRITER: 'Only the journal writer (holder of its private key) may append or snapshot.',
  MURMUR_JOURNAL_TOO_LARGE: 'An event, batch, snapshot or message exceeds its hard size cap.',
  MURMUR_JOURNAL_BAD_MESSAGE: 'Bytes from a peer or the disk do not decode as a journal message.',
  MURMUR_JOURNAL_FORGED: 'An event or snapshot does not hash-chain or its writer signature does not verify.',
  MURMUR_JOURNAL_GAP: 'Events do not continue the verified sequence (a gap, reorder or duplicate).',
  MURMUR_JOURNAL_FORK: 'The writer signed two different events (or snapshots) for the same sequence number.',
  MURMUR_JOURNAL_COMPACTED: 'The requested events were deleted by compaction; read the snapshot first.',
  MURMUR_JOURNAL_BAD_SNAPSHOT: 'A snapshot is out of range (beyond the head, or older than the stored one).',
  MURMUR_JOURNAL_SLOW_CONSUMER: 'A live reader fell too far behind and was disconnected.',
  MURMUR_JOURNAL_CLOSED: 'The journals store was closed.',
  MURMUR_JOURNAL_BAD_KEY: 'The journal writer key file cannot be read or is not a 32-byte Ed25519 seed.',
} as const satisfies Record<`MURMUR_${string}`, string>;
