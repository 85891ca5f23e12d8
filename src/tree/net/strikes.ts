import '../codes.ts';
import { strikeKindOf } from '../../errors/index.ts';
import type { Refusal } from '../store.ts';

/**
 * Strikes for the records a peer sent that were refused, by the error table (`strike` in
 * src/tree/codes.ts): forged, malformed (`invalid`, `undecodable`, `oversized`) and unauthorised
 * records are misbehaviour — an honest peer never sends one (grants travel with the entries that
 * need them, and authorisation is judged on the entry's own timestamp, so every node decides alike).
 * Two refusals are not its fault and have no strike kind: an entry whose grant we already know to be
 * revoked (it may not have the revocation yet) and a timestamp beyond our drift bound (a fast clock,
 * refused and counted only). Grants and revocations without authority are not refusals at all (they
 * wait in the pending pool: they may be children that arrived early); a peer overflowing its share
 * of that pool is flooding (MURMUR_TREE_PENDING_OVERFLOW, one per bundle that overflows).
 *
 * One push is one incident: `strike` is called once per kind among the refusals (the node's strike
 * gate also folds repeats of a kind within its window). Returns the number of strikes.
 */
export function strikeRefusals(refused: readonly Refusal[], strike: (kind: string) => void): number {
  const kinds = new Set<string>();
  for (const r of refused) {
    const kind = strikeKindOf(r.code);
    if (kind !== undefined) kinds.add(kind);
  }
  for (const kind of kinds) strike(kind);
  return kinds.size;
}
