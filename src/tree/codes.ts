/** Stable error codes raised by src/tree (aggregated in src/errors/codes.ts). Append-only. */
export const TREE_CODES = {
  MURMUR_TREE_BAD_PATH:
    'A key path breaks the path grammar (charset, empty, "." or ".." segment, length, depth).',
  MURMUR_TREE_BAD_PATTERN: 'A grant pattern or list filter breaks the glob grammar.',
  MURMUR_TREE_BAD_KEY: 'A public or private key is not a valid Ed25519 key.',
  MURMUR_TREE_BAD_SIGNATURE:
    'A signature does not verify over the canonical bytes of the entry, grant or revocation.',
  MURMUR_TREE_NO_GRANT: 'The signer is not the root and no grant chain from the root lets it write this key.',
  MURMUR_TREE_MISSING_GRANT: 'An entry relies on a grant that was not supplied and is not stored.',
  MURMUR_TREE_GRANT_REVOKED: 'A grant of the chain has been revoked by its issuer or someone above it.',
  MURMUR_TREE_GRANT_EXPIRED: 'A grant of the chain is expired (or not yet issued) at the timestamp used.',
  MURMUR_TREE_PATTERN_OUTSIDE_PARENT: "A sub-grant's pattern is not contained in its parent grant's pattern.",
  MURMUR_TREE_NOT_LAST_ISSUEE: 'The signer of the entry is not the issuee of the last grant of its chain.',
  MURMUR_TREE_BROKEN_CHAIN:
    'A grant chain does not start at the root, or an issuer is not the previous issuee.',
  MURMUR_TREE_NO_SUBGRANT: 'A grant used as a non-final link of a chain does not allow sub-granting.',
  MURMUR_TREE_PATTERN_MISMATCH: "The key does not match the last grant's pattern.",
  MURMUR_TREE_WRONG_TREE: 'The record is bound to another tree (root key) than the one it was given to.',
  MURMUR_TREE_CLOCK_SKEW: 'A timestamp is further in the future than the allowed clock drift.',
  MURMUR_TREE_MALFORMED: 'Bytes from the network or disk do not decode to a valid tree record.',
  MURMUR_TREE_TOO_LARGE: 'A record or message exceeds its hard size cap.',
  MURMUR_TREE_VALUE_TOO_LARGE: 'An entry value exceeds the maximum value size.',
  MURMUR_TREE_RECONCILE_MALFORMED: 'A reconciliation message is malformed or does not fit the session state.',
  MURMUR_TREE_UNKNOWN_TREE: 'No tree with this root key is held here.',
  MURMUR_TREE_CLOSED: 'The tree or store is closed.',
  MURMUR_TREE_NOT_FOUND: 'No visible value at this key of the tree (never written, or deleted).',
  MURMUR_TREE_NOT_AUTHORISED:
    'The signer of a grant or revocation has no authority for it in this tree (it is not stored).',
  MURMUR_TREE_PENDING_OVERFLOW:
    "A peer's unauthorised grants or revocations overflowed its share of the pending pool (dropped).",
} as const satisfies Record<`MURMUR_${string}`, string>;
