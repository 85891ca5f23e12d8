import type { Refusal } from '../store.ts';

/**
 * Which refusals of records sent by a peer are misbehaviour. An honest peer never sends a forged,
 * malformed or unauthorised record (grants travel with the entries that need them, and
 * authorisation is judged on the entry's own timestamp, so every node decides alike). Two refusals
 * are not its fault: an entry whose grant we already know to be revoked (it may not have the
 * revocation yet) and a timestamp beyond our drift bound (a fast clock, refused and counted only).
 * Grants and revocations without authority are not refusals at all (they wait in the pending pool:
 * they may be children that arrived early); a peer overflowing its share of that pool is flooding
 * (MURMUR_TREE_PENDING_OVERFLOW, one per bundle that overflows).
 */
export function strikeKind(code: string): string | null {
  switch (code) {
    case 'MURMUR_TREE_GRANT_REVOKED':
    case 'MURMUR_TREE_CLOCK_SKEW':
      return null;
    case 'MURMUR_TREE_BAD_SIGNATURE':
      return 'forged-record';
    case 'MURMUR_TREE_PENDING_OVERFLOW':
      return 'unauthorised-flood';
    case 'MURMUR_TREE_MALFORMED':
    case 'MURMUR_TREE_TOO_LARGE':
    case 'MURMUR_TREE_VALUE_TOO_LARGE':
    case 'MURMUR_TREE_BAD_PATH':
    case 'MURMUR_TREE_BAD_PATTERN':
    case 'MURMUR_TREE_BAD_KEY':
    case 'MURMUR_TREE_WRONG_TREE':
      return 'malformed-record';
    default:
      return 'unauthorised-record';
  }
}

/** Strikes `peer` once per refused record that is misbehaviour; returns the number of strikes. */
export function strikeRefusals(refused: readonly Refusal[], strike: (kind: string) => void): number {
  let n = 0;
  for (const r of refused) {
    const kind = strikeKind(r.code);
    if (kind === null) continue;
    strike(kind);
    n++;
  }
  return n;
}
