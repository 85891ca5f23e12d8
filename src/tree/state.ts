import { MurmurError } from '../errors/index.ts';
import { chainProblem, entryProblem, type GrantView } from './authorize.ts';
import { entryId, grantId, revocationId } from './codec.ts';
import { Fingerprint } from './fingerprint.ts';
import { hlcWall } from './hlc.ts';
import { IdSet } from './idset.ts';
import { bytesEqual, compareBytes, toHex } from './keys.ts';
import { verifyGrant, verifyRevocation } from './records.ts';
import type { Entry, Grant, Revocation } from './types.ts';

export type TreeRecord =
  | { kind: 'entry'; record: Entry }
  | { kind: 'grant'; record: Grant }
  | { kind: 'revocation'; record: Revocation };

/** A change of the visible value of a key (entry null = absent or deleted). */
export interface KeyChange {
  key: string;
  entry: Entry | null;
  previous: Entry | null;
}

export interface ApplyResult {
  /** Records newly stored. */
  added: TreeRecord[];
  /** Entries dropped (superseded, or left without a valid chain by a revocation). */
  removed: Entry[];
  changes: KeyChange[];
}

/** Total order of entries: HLC timestamp, then signer key bytes, then entry id. */
export function compareEntries(a: Entry, b: Entry): number {
  return (
    a.timestamp - b.timestamp || compareBytes(a.signer, b.signer) || compareBytes(entryId(a), entryId(b))
  );
}

const visibleOf = (list: Entry[] | undefined): Entry | null => {
  const top = list?.[0];
  return top === undefined || top.value === null ? null : top;
};

/**
 * The in-memory state of one tree: verified grants and revocations, and per key the retained
 * entries (newest first). All methods are synchronous and deterministic; TreeStore persists them.
 *
 * Retention rule (what makes any delivery order give the same state): an entry is kept unless it is
 * invalid now (bad chain, revoked) or a newer kept entry of the same key dominates it — signed by
 * the root, or relying on exactly the same grant chain (so no revocation can ever remove the newer
 * one without removing the older one too). The visible value of a key is its newest kept entry.
 */
export class TreeState implements GrantView {
  readonly root: Uint8Array;
  readonly rootHex: string;
  readonly fingerprint = new Fingerprint();
  readonly #grants = new Map<string, Grant>();
  readonly #grantsByIssuee = new Map<string, Grant[]>();
  readonly #revocations = new Map<string, Revocation>();
  readonly #revByGrant = new Map<string, Revocation[]>();
  readonly #entries = new Map<string, Entry[]>();
  readonly #dependents = new Map<string, Set<string>>();
  readonly #records = new Map<string, TreeRecord>();
  #idset: IdSet | null = null;

  constructor(root: Uint8Array) {
    this.root = root;
    this.rootHex = toHex(root);
  }

  grant(idHex: string): Grant | undefined {
    return this.#grants.get(idHex);
  }
  revocationsOf(grantIdHex: string): readonly Revocation[] {
    return this.#revByGrant.get(grantIdHex) ?? [];
  }
  grantsTo(issueeHex: string): readonly Grant[] {
    return this.#grantsByIssuee.get(issueeHex) ?? [];
  }
  allGrants(): Grant[] {
    return [...this.#grants.values()];
  }
  allRevocations(): Revocation[] {
    return [...this.#revocations.values()];
  }
  record(idHex: string): TreeRecord | undefined {
    return this.#records.get(idHex);
  }
  get size(): number {
    return this.#records.size;
  }

  /** Newest kept entry of a key (tombstones included), or undefined. */
  latest(key: string): Entry | undefined {
    return this.#entries.get(key)?.[0];
  }
  /** Visible (non-deleted) value entries, in key order. */
  *visibleEntries(): Iterable<Entry> {
    for (const key of [...this.#entries.keys()].sort()) {
      const e = visibleOf(this.#entries.get(key));
      if (e !== null) yield e;
    }
  }
  /** Every record id, for reconciliation (cached until the next change). */
  idSet(): IdSet {
    if (this.#idset === null) this.#idset = IdSet.from([...this.#records.values()].map(recordId));
    return this.#idset;
  }

  /** Stores a grant after verifying its signature and shape (throws MurmurError). */
  addGrant(g: Grant, verify = true): ApplyResult {
    const res = empty();
    if (!bytesEqual(g.tree, this.root)) throw wrongTree();
    if (verify) verifyGrant(g);
    const id = grantId(g);
    const hex = toHex(id);
    if (this.#grants.has(hex)) return res;
    this.#grants.set(hex, g);
    push(this.#grantsByIssuee, toHex(g.issuee), g);
    this.#addRecord(id, { kind: 'grant', record: g }, res);
    return res;
  }

  /** Stores a revocation after verifying it, then drops entries left without a valid chain. */
  addRevocation(r: Revocation, verify = true): ApplyResult {
    const res = empty();
    if (!bytesEqual(r.tree, this.root)) throw wrongTree();
    if (verify) verifyRevocation(r);
    const id = revocationId(r);
    if (this.#revocations.has(toHex(id))) return res;
    this.#revocations.set(toHex(id), r);
    const gHex = toHex(r.grantId);
    push(this.#revByGrant, gHex, r);
    this.#addRecord(id, { kind: 'revocation', record: r }, res);
    for (const key of [...(this.#dependents.get(gHex) ?? [])]) {
      const list = this.#entries.get(key);
      if (list === undefined) continue;
      const before = visibleOf(list);
      const kept = list.filter((e) => {
        if (!e.grants.some((g) => toHex(g) === gHex)) return true;
        if (chainProblem(this.root, e.grants, e.signer, e.key, hlcWall(e.timestamp), this) === null)
          return true;
        this.#dropEntry(e, res);
        return false;
      });
      this.#setList(key, kept);
      const after = visibleOf(kept);
      if (before !== after) res.changes.push({ key, entry: after, previous: before });
    }
    return res;
  }

  /** Verifies and stores an entry (throws the refusal). Duplicates and dominated entries are no-ops. */
  addEntry(e: Entry, verify = true): ApplyResult {
    const res = empty();
    const problem: MurmurError | null = entryProblem(this.root, e, this, verify);
    if (problem !== null) throw problem;
    const id = entryId(e);
    const hex = toHex(id);
    if (this.#records.has(hex)) return res;
    const list = this.#entries.get(e.key) ?? [];
    for (const other of list) {
      if (compareEntries(other, e) > 0 && this.#dominates(other, e)) return res;
    }
    const before = visibleOf(list);
    const kept = list.filter((other) => {
      if (compareEntries(other, e) < 0 && this.#dominates(e, other)) {
        this.#dropEntry(other, res);
        return false;
      }
      return true;
    });
    kept.push(e);
    kept.sort((a, b) => compareEntries(b, a));
    this.#setList(e.key, kept);
    for (const g of e.grants) addTo(this.#dependents, toHex(g), e.key);
    this.#addRecord(id, { kind: 'entry', record: e }, res);
    const after = visibleOf(kept);
    if (before !== after) res.changes.push({ key: e.key, entry: after, previous: before });
    return res;
  }

  #dominates(newer: Entry, older: Entry): boolean {
    if (bytesEqual(newer.signer, this.root)) return true;
    return (
      newer.grants.length === older.grants.length &&
      newer.grants.every((g, i) => bytesEqual(g, older.grants[i]!))
    );
  }

  #setList(key: string, list: Entry[]): void {
    if (list.length === 0) this.#entries.delete(key);
    else this.#entries.set(key, list);
  }

  #dropEntry(e: Entry, res: ApplyResult): void {
    const id = entryId(e);
    this.#records.delete(toHex(id));
    this.fingerprint.remove(id);
    this.#idset = null;
    res.removed.push(e);
  }

  #addRecord(id: Uint8Array, rec: TreeRecord, res: ApplyResult): void {
    this.#records.set(toHex(id), rec);
    this.fingerprint.add(id);
    this.#idset = null;
    res.added.push(rec);
  }
}

export function recordId(r: TreeRecord): Uint8Array {
  return r.kind === 'entry'
    ? entryId(r.record)
    : r.kind === 'grant'
      ? grantId(r.record)
      : revocationId(r.record);
}

function empty(): ApplyResult {
  return { added: [], removed: [], changes: [] };
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, [v]);
  else cur.push(v);
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, new Set([v]));
  else cur.add(v);
}

function wrongTree(): MurmurError {
  return new MurmurError('MURMUR_TREE_WRONG_TREE', 'record of another tree');
}
