import { entryId, grantId, revocationId } from './codec.ts';
import { compareBytes } from './keys.ts';
import type { Entry, Grant, Revocation } from './types.ts';

/** Shapes of a tree's state (state.ts): its records, the index view of an entry, what applying changed. */
export type TreeRecord =
  | { kind: 'entry'; record: Entry }
  | { kind: 'grant'; record: Grant }
  | { kind: 'revocation'; record: Revocation };

/**
 * What the index holds of a kept entry (no value, no signature): enough to order, authorise and
 * find it. The full entry is read from the store by id.
 */
export interface EntryRef {
  id: Uint8Array;
  key: string;
  timestamp: number;
  tombstone: boolean;
  signer: Uint8Array;
  grants: readonly Uint8Array[];
}

/** A change of the visible value of a key (entry null = absent or deleted). */
export interface KeyChange {
  key: string;
  entry: EntryRef | null;
}

export interface ApplyResult {
  /** Records newly stored. */
  added: TreeRecord[];
  /** Ids of the entries dropped (superseded, or left without a valid chain by a revocation). */
  removed: Uint8Array[];
  changes: KeyChange[];
  /** Grants and revocations no longer admitted (a revocation above them): to delete, now pending. */
  demoted: TreeRecord[];
  /** Records offered that went to the pending pool (verified, no authority yet). */
  pending: number;
  /** Pending records evicted from the pool meanwhile. */
  evicted: number;
  /** The source peer overflowed its share of the pending pool. */
  overflow: boolean;
}

/** Total order of entries: HLC timestamp, then signer key bytes, then entry id. */
export function compareEntries(a: Entry, b: Entry): number {
  return (
    a.timestamp - b.timestamp || compareBytes(a.signer, b.signer) || compareBytes(entryId(a), entryId(b))
  );
}

export function recordId(r: TreeRecord): Uint8Array {
  return r.kind === 'entry'
    ? entryId(r.record)
    : r.kind === 'grant'
      ? grantId(r.record)
      : revocationId(r.record);
}

export function emptyResult(): ApplyResult {
  return { added: [], removed: [], changes: [], demoted: [], pending: 0, evicted: 0, overflow: false };
}

/** Bytes as a map key (one char per byte). */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
