import { toHex } from '../bytes/index.ts';
import {
  PENDING_MAX_BYTES,
  PENDING_MAX_PER_SIGNER,
  PENDING_MAX_PER_SOURCE,
  PENDING_MAX_RECORDS,
} from './constants.ts';
import type { Grant, Revocation } from './types.ts';

export type PendingRecord = { kind: 'grant'; record: Grant } | { kind: 'revocation'; record: Revocation };

/** A verified grant or revocation waiting for authority. */
export interface PendingItem {
  /** Pool key: tree hex ‖ id hex. */
  key: string;
  tree: string;
  idHex: string;
  rec: PendingRecord;
  /** Estimated memory (encoded bytes + overhead). */
  bytes: number;
  /** Hex of the issuer (grant) or revoker (revocation). */
  signer: string;
  /** Peer it came from ('' = local or loaded from disk). */
  source: string;
}

export interface PendingLimits {
  maxRecords: number;
  maxBytes: number;
  maxPerSigner: number;
  maxPerSource: number;
}

export const DEFAULT_PENDING_LIMITS: PendingLimits = {
  maxRecords: PENDING_MAX_RECORDS,
  maxBytes: PENDING_MAX_BYTES,
  maxPerSigner: PENDING_MAX_PER_SIGNER,
  maxPerSource: PENDING_MAX_PER_SOURCE,
};

/** No limit at all (used while loading a tree from disk, before the leftovers move to the real pool). */
export const UNBOUNDED_PENDING_LIMITS: PendingLimits = {
  maxRecords: Number.POSITIVE_INFINITY,
  maxBytes: Number.POSITIVE_INFINITY,
  maxPerSigner: Number.POSITIVE_INFINITY,
  maxPerSource: Number.POSITIVE_INFINITY,
};

/** What adding one item did. */
export interface PendingAddResult {
  /** Items evicted to make room (possibly the new one itself when its signer or source is full). */
  evicted: PendingItem[];
  /** The item's source exceeded its share (its oldest was evicted): a flooding peer. */
  sourceOverflow: boolean;
}

/**
 * The bounded pool of grants and revocations that verify but are not admitted (no authority yet:
 * a child grant before its parent, a revocation before its grant — or junk). In memory only,
 * never persisted, never offered to peers, not in any root hash. Capped by count and bytes
 * (oldest evicted first), per signing key (its own oldest evicted) and per source peer (its own
 * oldest evicted, reported so the peer can be struck). Eviction is safe: a peer that has the
 * record admitted offers it again at the next reconciliation. Indexed by (tree, issuer) and
 * (tree, revoked grant) so that admitting a grant finds what it unlocks.
 */
export class PendingPool {
  readonly limits: PendingLimits;
  /** Insertion order = age (first = oldest). */
  readonly #items = new Map<string, PendingItem>();
  readonly #bySigner = new Map<string, Set<string>>();
  readonly #bySource = new Map<string, Set<string>>();
  /** tree hex ‖ issuer hex → pending grant keys. */
  readonly #grantsByIssuer = new Map<string, Set<string>>();
  /** tree hex ‖ grant id hex → pending revocation keys. */
  readonly #revsByGrant = new Map<string, Set<string>>();
  #bytes = 0;
  /** Records that went pending, were evicted, were admitted later. */
  readonly stats = { added: 0, evicted: 0, admitted: 0, overflows: 0 };

  constructor(limits: Partial<PendingLimits> = {}) {
    this.limits = { ...DEFAULT_PENDING_LIMITS, ...limits };
  }

  get size(): number {
    return this.#items.size;
  }
  get bytes(): number {
    return this.#bytes;
  }

  has(tree: string, idHex: string): boolean {
    return this.#items.has(tree + idHex);
  }

  get(tree: string, idHex: string): PendingItem | undefined {
    return this.#items.get(tree + idHex);
  }

  /** Adds an item (no-op if present), then evicts what its signer, source and the caps require. */
  add(item: Omit<PendingItem, 'key'>): PendingAddResult {
    const key = item.tree + item.idHex;
    const res: PendingAddResult = { evicted: [], sourceOverflow: false };
    if (this.#items.has(key)) return res;
    const it: PendingItem = { ...item, key };
    this.#items.set(key, it);
    this.#bytes += it.bytes;
    addTo(this.#bySigner, it.signer, key);
    if (it.source !== '') addTo(this.#bySource, it.source, key);
    if (it.rec.kind === 'grant') addTo(this.#grantsByIssuer, it.tree + it.signer, key);
    else addTo(this.#revsByGrant, it.tree + toHex(it.rec.record.grantId), key);
    this.stats.added++;
    const evict = (k: string | undefined): void => {
      const gone = k === undefined ? undefined : this.remove(k);
      if (gone !== undefined) {
        res.evicted.push(gone);
        this.stats.evicted++;
      }
    };
    if ((this.#bySigner.get(it.signer)?.size ?? 0) > this.limits.maxPerSigner)
      evict(first(this.#bySigner.get(it.signer)));
    if (it.source !== '' && (this.#bySource.get(it.source)?.size ?? 0) > this.limits.maxPerSource) {
      res.sourceOverflow = true;
      this.stats.overflows++;
      evict(first(this.#bySource.get(it.source)));
    }
    while (this.#items.size > this.limits.maxRecords || this.#bytes > this.limits.maxBytes)
      evict(first(this.#items));
    return res;
  }

  /** Removes an item by key (admitted, or evicted); returns it. */
  remove(key: string): PendingItem | undefined {
    const it = this.#items.get(key);
    if (it === undefined) return undefined;
    this.#items.delete(key);
    this.#bytes -= it.bytes;
    delFrom(this.#bySigner, it.signer, key);
    if (it.source !== '') delFrom(this.#bySource, it.source, key);
    if (it.rec.kind === 'grant') delFrom(this.#grantsByIssuer, it.tree + it.signer, key);
    else delFrom(this.#revsByGrant, it.tree + toHex(it.rec.record.grantId), key);
    return it;
  }

  /** Pending grants of `tree` issued by `issuerHex` (a copy). */
  grantsIssuedBy(tree: string, issuerHex: string): PendingItem[] {
    return this.#collect(this.#grantsByIssuer.get(tree + issuerHex));
  }

  /** Pending revocations of `tree` naming `grantHex` (a copy). */
  revocationsOf(tree: string, grantHex: string): PendingItem[] {
    return this.#collect(this.#revsByGrant.get(tree + grantHex));
  }

  /** Every pending item of a tree (oldest first). */
  itemsOf(tree: string): PendingItem[] {
    return [...this.#items.values()].filter((it) => it.tree === tree);
  }

  /** Forgets every item of a tree. */
  clearTree(tree: string): void {
    for (const it of this.itemsOf(tree)) this.remove(it.key);
  }

  #collect(keys: Set<string> | undefined): PendingItem[] {
    const out: PendingItem[] = [];
    for (const k of keys ?? []) {
      const it = this.#items.get(k);
      if (it !== undefined) out.push(it);
    }
    return out;
  }
}

function first(s: Map<string, unknown> | Set<string> | undefined): string | undefined {
  if (s === undefined) return undefined;
  const n = s.keys().next();
  return n.done === true ? undefined : n.value;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, new Set([v]));
  else cur.add(v);
}

function delFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) return;
  cur.delete(v);
  if (cur.size === 0) m.delete(k);
}
