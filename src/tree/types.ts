import type { Hlc } from './hlc.ts';

/** `issuer` lets `issuee` write keys matching `pattern` in `tree` (and grant inside it if `subgrant`). */
export interface Grant {
  /** 32-byte root public key naming the tree. */
  tree: Uint8Array;
  pattern: string;
  subgrant: boolean;
  issuer: Uint8Array;
  issuee: Uint8Array;
  /** Unix ms; entries stamped before it cannot use the grant. */
  issuedAt: number;
  /** Unix ms; 0 = never. Entries stamped after it cannot use the grant. */
  expiresAt: number;
  signature: Uint8Array;
}

/** Withdraws the grant `grantId`; signed by its issuer, an issuer above it in a chain, or the root. */
export interface Revocation {
  tree: Uint8Array;
  grantId: Uint8Array;
  revoker: Uint8Array;
  revokedAt: number;
  signature: Uint8Array;
}

/** A signed write; `value === null` is a tombstone (delete). */
export interface Entry {
  tree: Uint8Array;
  key: string;
  value: Uint8Array | null;
  timestamp: Hlc;
  signer: Uint8Array;
  /** Grant ids of the chain from the root to the signer; empty when the root signs. */
  grants: Uint8Array[];
  signature: Uint8Array;
}
