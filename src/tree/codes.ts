import { defineCodes } from '../errors/index.ts';

/** Stable error codes raised by src/tree: message, local API status, strike kind (see src/errors/registry.ts). Append-only. */
export const TREE_CODES = defineCodes({
  MURMUR_TREE_BAD_PATH: {
    message: 'A key path breaks the path grammar (charset, empty, "." or ".." segment, length, depth).',
    http: 400,
    strike: 'invalid',
  },
  MURMUR_TREE_BAD_PATTERN: {
    message: 'A grant pattern or list filter breaks the glob grammar.',
    http: 400,
    strike: 'invalid',
  },
  MURMUR_TREE_BAD_KEY: {
    message: 'A public or private key is not a valid Ed25519 key.',
    http: 400,
    strike: 'invalid',
  },
  MURMUR_TREE_BAD_SIGNATURE: {
    message: 'A signature does not verify over the canonical bytes of the entry, grant or revocation.',
    http: 400,
    strike: 'forged',
  },
  MURMUR_TREE_NO_GRANT: {
    message: 'The signer is not the root and no grant chain from the root lets it write this key.',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_MISSING_GRANT: {
    message: 'An entry relies on a grant that was not supplied and is not stored.',
    http: 400,
    strike: 'unauthorised',
  },
  MURMUR_TREE_GRANT_REVOKED: {
    message: 'A grant of the chain has been revoked by its issuer or someone above it.',
    http: 403,
  },
  MURMUR_TREE_GRANT_EXPIRED: {
    message: 'A grant of the chain is expired (or not yet issued) at the timestamp used.',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_PATTERN_OUTSIDE_PARENT: {
    message: "A sub-grant's pattern is not contained in its parent grant's pattern.",
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_NOT_LAST_ISSUEE: {
    message: 'The signer of the entry is not the issuee of the last grant of its chain.',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_BROKEN_CHAIN: {
    message: 'A grant chain does not start at the root, or an issuer is not the previous issuee.',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_NO_SUBGRANT: {
    message: 'A grant used as a non-final link of a chain does not allow sub-granting.',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_PATTERN_MISMATCH: {
    message: "The key does not match the last grant's pattern.",
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_WRONG_TREE: {
    message: 'The record is bound to another tree (root key) than the one it was given to.',
    http: 400,
    strike: 'invalid',
  },
  MURMUR_TREE_CLOCK_SKEW: {
    message: 'A timestamp is further in the future than the allowed clock drift.',
    http: 400,
  },
  MURMUR_TREE_CLOCK_AHEAD: {
    message:
      "This node's clock is ahead of its peers' by more than the drift bound: its writes would be refused by every peer, so they are refused here. Fix the system clock.",
    http: 503,
  },
  MURMUR_TREE_MALFORMED: {
    message: 'Bytes from the network or disk do not decode to a valid tree record.',
    http: 400,
    strike: 'undecodable',
  },
  MURMUR_TREE_TOO_LARGE: {
    message: 'A record or message exceeds its hard size cap.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_TREE_VALUE_TOO_LARGE: {
    message: 'An entry value exceeds the maximum value size.',
    http: 400,
    strike: 'oversized',
  },
  MURMUR_TREE_RECONCILE_MALFORMED: {
    message: 'A reconciliation message is malformed or does not fit the session state.',
    http: 400,
    strike: 'protocol',
  },
  MURMUR_TREE_UNKNOWN_TREE: { message: 'No tree with this root key is held here.', http: 404 },
  MURMUR_TREE_CLOSED: { message: 'The tree or store is closed.', http: 400 },
  MURMUR_TREE_NOT_FOUND: {
    message: 'No visible value at this key of the tree (never written, or deleted).',
    http: 404,
  },
  MURMUR_TREE_NOT_AUTHORISED: {
    message: 'The signer of a grant or revocation has no authority for it in this tree (it is not stored).',
    http: 403,
    strike: 'unauthorised',
  },
  MURMUR_TREE_PENDING_OVERFLOW: {
    message:
      "A peer's unauthorised grants or revocations overflowed its share of the pending pool (dropped).",
    http: 400,
    strike: 'flood',
  },
});

type TreeCodes = typeof TREE_CODES;

declare module '../errors/index.ts' {
  interface ErrorCodes extends TreeCodes {}
}
