import { MurmurError } from '../errors/index.ts';
import { Authority, type AuthorityChanges } from './authority.ts';
import { chainProblem, entryProblem, type GrantView } from './authorize.ts';
import { entryId } from './codec.ts';
import { Fingerprint } from './fingerprint.ts';
import { hlcWall } from './hlc.ts';
import { IdSet } from './idset.ts';
import { bytesEqual, compareBytes, toHex } from './keys.ts';
import { PendingPool, type PendingRecord } from './pending.ts';
import { KIND_ENTRY, KIND_GRANT, KIND_REVOCATION, RecordTable } from './record-table.ts';
import { verifyGrant, verifyRevocation } from './records.ts';
import { lowerBound } from './search.ts';
import {
  type ApplyResult,
  type EntryRef,
  emptyResult,
  latin1,
  recordId,
  type TreeRecord,
} from './state-types.ts';
import type { Entry, Grant, Revocation } from './types.ts';

export {
  type ApplyResult,
  compareEntries,
  type EntryRef,
  emptyResult,
  type KeyChange,
  recordId,
  type TreeRecord,
} from './state-types.ts';

/**
 * The in-memory index of one tree: verified grants and revocations (objects, they are few), and
 * per key the retained entries (newest first) as slots of a compact RecordTable — no values, no
 * signatures, no hex strings; TreeStore keeps the full records. All methods are synchronous and
 * deterministic.
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
  readonly #auth: Authority;
  /** key → slot of its newest kept entry (the others follow through `next`). */
  readonly #heads = new Map<string, number>();
  /** The keys of #heads in order, rebuilt on the next read after a key comes or goes. */
  #sorted: string[] | undefined;
  /** grant id hex → keys with kept entries relying on it. */
  readonly #dependents = new Map<string, Set<string>>();
  readonly #t = new RecordTable();
  readonly #idset = new IdSet();
  /** Interned signer keys (0 = the root) and grant chains (0 = none). */
  readonly #signers: Uint8Array[] = [];
  readonly #signerIdx = new Map<string, number>();
  readonly #chains: Uint8Array[][] = [];
  readonly #chainIdx = new Map<string, number>();

  constructor(root: Uint8Array, pool: PendingPool = new PendingPool()) {
    this.root = root;
    this.rootHex = toHex(root);
    this.#auth = new Authority(root, pool);
    this.#intern(this.#signers, this.#signerIdx, latin1(root), () => root);
    this.#intern(this.#chains, this.#chainIdx, '', () => []);
  }

  /** Admitted grants and revocations (pending ones are not visible here). */
  grant(idHex: string): Grant | undefined {
    return this.#auth.grant(idHex);
  }
  revocation(idHex: string): Revocation | undefined {
    return this.#auth.revocation(idHex);
  }
  revocationsOf(grantIdHex: string): readonly Revocation[] {
    return this.#auth.revocationsOf(grantIdHex);
  }
  grantsTo(issueeHex: string): readonly Grant[] {
    return this.#auth.grantsTo(issueeHex);
  }
  allGrants(): Grant[] {
    return this.#auth.allGrants();
  }
  allRevocations(): Revocation[] {
    return this.#auth.allRevocations();
  }
  /** Kind of a held record, or undefined. */
  kindOf(id: Uint8Array): TreeRecord['kind'] | undefined {
    const s = this.#t.find(id);
    if (s < 0) return undefined;
    const k = this.#t.kind[s];
    return k === KIND_ENTRY ? 'entry' : k === KIND_GRANT ? 'grant' : 'revocation';
  }
  /** The index view of a kept entry, or undefined. */
  entryRef(id: Uint8Array): EntryRef | undefined {
    const s = this.#t.find(id);
    return s < 0 || this.#t.kind[s] !== KIND_ENTRY ? undefined : this.#ref(s);
  }
  get size(): number {
    return this.#t.count;
  }

  /** The newest entry timestamp held (tombstones included; 0 when none): what the HLC is seeded above. */
  maxTimestamp(): number {
    const t = this.#t;
    let max = 0;
    for (let s = 0; s < t.kind.length; s++) if (t.kind[s] === KIND_ENTRY && t.ts[s]! > max) max = t.ts[s]!;
    return max;
  }

  /** Newest kept entry of a key (tombstones included), or undefined. */
  latest(key: string): EntryRef | undefined {
    const s = this.#heads.get(key);
    return s === undefined ? undefined : this.#ref(s);
  }
  /**
   * Visible (non-deleted) entries in key order; with `prefix`, only keys starting with it (found by
   * binary search in the ordered keys, which are sorted again only after keys came or went).
   */
  *visibleEntries(prefix = ''): Iterable<EntryRef> {
    this.#sorted ??= [...this.#heads.keys()].sort();
    const keys = this.#sorted;
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) {
      const s = this.#heads.get(keys[i]!);
      if (s !== undefined && !this.#t.tombstone(s)) yield this.#ref(s);
    }
  }
  /** Every record id, for reconciliation (maintained incrementally, live). */
  idSet(): IdSet {
    return this.#idset;
  }

  /**
   * Verifies a grant (signature, shape, tree; throws MurmurError), then admits it when its issuer
   * has authority (see Authority) — with whatever it unlocks in the pending pool — or parks it
   * there (`pending`, not stored, not in the root hash). `source` is the peer it came from.
   */
  addGrant(g: Grant, verify = true, source = ''): ApplyResult {
    if (!bytesEqual(g.tree, this.root)) throw wrongTree();
    if (verify) verifyGrant(g);
    return this.#apply(this.#auth.offerGrant(g, source));
  }

  /**
   * Verifies a revocation, then admits it when the revoker has authority over the grant it names
   * (dropping entries left without a valid chain, demoting grants cut off) or parks it.
   */
  addRevocation(r: Revocation, verify = true, source = ''): ApplyResult {
    if (!bytesEqual(r.tree, this.root)) throw wrongTree();
    if (verify) verifyRevocation(r);
    return this.#apply(this.#auth.offerRevocation(r, source));
  }

  /** Null when this grant would be admitted now, else why not (MURMUR_TREE_NOT_AUTHORISED). */
  grantProblem(g: Grant): MurmurError | null {
    return this.#auth.grantProblem(g);
  }
  /** Null when this revocation would be admitted now, else why not (MURMUR_TREE_NOT_AUTHORISED). */
  revocationProblem(r: Revocation): MurmurError | null {
    return this.#auth.revocationProblem(r);
  }
  /** Whether a grant or revocation (id hex) waits in the pending pool. */
  isPending(idHex: string): boolean {
    return this.#auth.isPending(idHex);
  }
  /** Admitted ancestors of an admitted grant, root side first (sent along with it). */
  ancestors(grantHex: string): Grant[] {
    return this.#auth.ancestors(grantHex);
  }
  /** The pending pool this tree parks records in. */
  get pool(): PendingPool {
    return this.#auth.pool;
  }
  /** Moves this tree's pending records to another pool; returns them. */
  usePool(pool: PendingPool): PendingRecord[] {
    return this.#auth.usePool(pool);
  }

  #apply(ch: AuthorityChanges): ApplyResult {
    const res = empty();
    res.pending = ch.pending;
    res.evicted = ch.evicted;
    res.overflow = ch.overflow;
    // a record admitted and demoted in the same step never happened
    const demoted = new Set(ch.demoted.map((d) => latin1(recordId(d))));
    const added = new Set<string>();
    for (const rec of ch.admitted) {
      const id = recordId(rec);
      const k = latin1(id);
      if (demoted.has(k)) continue;
      added.add(k);
      this.#addRecord(id, rec.kind === 'grant' ? KIND_GRANT : KIND_REVOCATION);
      res.added.push(rec);
    }
    for (const rec of ch.demoted) {
      const id = recordId(rec);
      const s = this.#t.find(id);
      if (added.has(latin1(id)) || s < 0) continue;
      this.fingerprint.remove(id);
      this.#idset.remove(id);
      this.#t.free(s);
      res.demoted.push(rec);
    }
    for (const rec of ch.admitted)
      if (rec.kind === 'revocation' && !demoted.has(latin1(recordId(rec)))) this.#revoke(rec.record, res);
    return res;
  }

  /** Drops the kept entries left without a valid chain by an admitted revocation. */
  #revoke(r: Revocation, res: ApplyResult): void {
    const gHex = toHex(r.grantId);
    const t = this.#t;
    for (const key of [...(this.#dependents.get(gHex) ?? [])]) {
      const head = this.#heads.get(key);
      if (head === undefined) continue;
      const before = this.#visible(head);
      const kept: number[] = [];
      for (let s = head; s >= 0; s = t.next[s]!) {
        const chain = this.#chains[t.chain[s]!]!;
        if (
          !chain.some((g) => bytesEqual(g, r.grantId)) ||
          chainProblem(this.root, chain, this.#signers[t.signer[s]!]!, key, hlcWall(t.ts[s]!), this) === null
        )
          kept.push(s);
        else this.#drop(s, res);
      }
      this.#link(key, kept);
      const after = kept.length === 0 ? -1 : this.#visible(kept[0]!);
      if (before !== after) res.changes.push({ key, entry: after < 0 ? null : this.#ref(after) });
    }
  }

  /** Verifies and stores an entry (throws the refusal). Duplicates and dominated entries are no-ops. */
  addEntry(e: Entry, verify = true): ApplyResult {
    const res = empty();
    const problem: MurmurError | null = entryProblem(this.root, e, this, verify);
    if (problem !== null) throw problem;
    const id = entryId(e);
    const t = this.#t;
    if (t.find(id) >= 0) return res;
    const head = this.#heads.get(e.key) ?? -1;
    const signer = this.#intern(this.#signers, this.#signerIdx, latin1(e.signer), () => e.signer.slice());
    const chain = this.#intern(this.#chains, this.#chainIdx, e.grants.map(latin1).join(''), () =>
      e.grants.map((g) => g.slice()),
    );
    for (let s = head; s >= 0; s = t.next[s]!) {
      if (
        this.#compareTo(s, e.timestamp, signer, id) > 0 &&
        this.#dominates(t.signer[s]!, t.chain[s]!, chain)
      )
        return res;
    }
    const before = head < 0 ? -1 : this.#visible(head);
    // allocate before dropping, so the new slot never reuses the one `before` names
    const slot = this.#addRecord(id, KIND_ENTRY);
    t.ts[slot] = e.timestamp;
    t.signer[slot] = signer;
    t.chain[slot] = chain;
    t.setTombstone(slot, e.value === null);
    t.keys[slot] = e.key;
    const kept: number[] = [];
    let placed = false;
    for (let s = head; s >= 0; s = t.next[s]!) {
      const newer = this.#compareTo(s, e.timestamp, signer, id) > 0;
      if (!newer && this.#dominates(signer, chain, t.chain[s]!)) {
        this.#drop(s, res);
        continue;
      }
      if (!newer && !placed) {
        kept.push(slot);
        placed = true;
      }
      kept.push(s);
    }
    if (!placed) kept.push(slot);
    this.#link(e.key, kept);
    for (const g of e.grants) addTo(this.#dependents, toHex(g), e.key);
    res.added.push({ kind: 'entry', record: e });
    const after = this.#visible(kept[0]!);
    if (before !== after) res.changes.push({ key: e.key, entry: after < 0 ? null : this.#ref(after) });
    return res;
  }

  /** Order of slot s against an entry not yet stored (timestamp, signer bytes, id). */
  #compareTo(s: number, ts: number, signer: number, id: Uint8Array): number {
    const t = this.#t;
    const d = t.ts[s]! - ts;
    if (d !== 0) return d;
    if (t.signer[s] !== signer) return compareBytes(this.#signers[t.signer[s]!]!, this.#signers[signer]!);
    const ids = t.ids;
    for (let i = 0; i < 32; i++) {
      const x = ids[s * 32 + i]! - id[i]!;
      if (x !== 0) return x;
    }
    return 0;
  }

  /** Newer (signer, chain) dominates an older entry of chain `olderChain`. */
  #dominates(newerSigner: number, newerChain: number, olderChain: number): boolean {
    return newerSigner === 0 || newerChain === olderChain;
  }

  #visible(head: number): number {
    return this.#t.tombstone(head) ? -1 : head;
  }

  #link(key: string, slots: number[]): void {
    const t = this.#t;
    if (slots.length === 0) {
      if (this.#heads.delete(key)) this.#sorted = undefined;
      return;
    }
    for (let i = 0; i < slots.length; i++) t.next[slots[i]!] = slots[i + 1] ?? -1;
    if (!this.#heads.has(key)) this.#sorted = undefined;
    this.#heads.set(key, slots[0]!);
  }

  #ref(s: number): EntryRef {
    const t = this.#t;
    return {
      id: t.id(s),
      key: t.keys[s]!,
      timestamp: t.ts[s]!,
      tombstone: t.tombstone(s),
      signer: this.#signers[t.signer[s]!]!,
      grants: this.#chains[t.chain[s]!]!,
    };
  }

  #intern<V>(list: V[], index: Map<string, number>, k: string, v: () => V): number {
    let i = index.get(k);
    if (i === undefined) {
      i = list.length;
      list.push(v());
      index.set(k, i);
    }
    return i;
  }

  #drop(s: number, res: ApplyResult): void {
    const id = this.#t.id(s);
    this.fingerprint.remove(id);
    this.#idset.remove(id);
    this.#t.free(s);
    res.removed.push(id);
  }

  #addRecord(id: Uint8Array, kind: number): number {
    this.fingerprint.add(id);
    this.#idset.add(id);
    return this.#t.alloc(id, kind);
  }
}

const empty = emptyResult;

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, new Set([v]));
  else cur.add(v);
}

function wrongTree(): MurmurError {
  return new MurmurError('MURMUR_TREE_WRONG_TREE', 'record of another tree');
}
