import { MurmurError } from '../errors/index.ts';
import { cachedContains, chainProblem, type GrantView } from './authorize.ts';
import { grantId, revocationId } from './codec.ts';
import { CHAIN_SEARCH_BUDGET, MAX_CHAIN_LENGTH, PENDING_RECORD_OVERHEAD } from './constants.ts';
import { bytesEqual, toHex } from './keys.ts';
import type { PendingPool, PendingRecord } from './pending.ts';
import { latin1 } from './state-types.ts';
import type { Grant, Revocation } from './types.ts';

/** What offering one grant or revocation changed. */
export interface AuthorityChanges {
  /** Records admitted, in order (the offered one and what it unlocked in the pending pool). */
  admitted: PendingRecord[];
  /** Admitted records that lost their authority (a revocation above them): back in the pool. */
  demoted: PendingRecord[];
  /** The offered record went to the pending pool. */
  pending: number;
  /** Pending records evicted from the pool meanwhile. */
  evicted: number;
  /** The source peer overflowed its share of the pool. */
  overflow: boolean;
}

const notAuthorised = (message: string, details?: Record<string, unknown>) =>
  new MurmurError('MURMUR_TREE_NOT_AUTHORISED', message, { details });

/**
 * The admitted grants and revocations of one tree, and the rule that admits them (stored, in the
 * root hash, offered to peers) or parks them in the pending pool:
 * - a grant is admitted when its issuer is the root, or when a chain of admitted grants from the
 *   root to its issuer passes `chainProblem` at the grant's own `issuedAt` (unrevoked, valid then,
 *   nested) and its last link allows sub-grants with a pattern containing the new one's — i.e.
 *   exactly when an entry could use it;
 * - a revocation is admitted when the grant it names is admitted and the revoker is the root, that
 *   grant's issuer or an issuer above it on such a chain (the rule 6 that makes it act).
 * Admitting a grant re-checks the pool below it (a chain may arrive child first); admitting a
 * revocation re-checks the admitted grants below the revoked one (their chains may all go through
 * it) and demotes those left without one. The admitted sets are a function of the records known.
 */
export class Authority implements GrantView {
  readonly #root: Uint8Array;
  readonly #rootHex: string;
  #pool: PendingPool;
  readonly #grants = new Map<string, Grant>();
  readonly #byIssuee = new Map<string, Grant[]>();
  readonly #byIssuer = new Map<string, Grant[]>();
  /** grant hex → hex of the last link of the chain that admitted it ('' = issued by the root). */
  readonly #parent = new Map<string, string>();
  readonly #revocations = new Map<string, Revocation>();
  readonly #revByGrant = new Map<string, Revocation[]>();

  constructor(root: Uint8Array, pool: PendingPool) {
    this.#root = root;
    this.#rootHex = toHex(root);
    this.#pool = pool;
  }

  get pool(): PendingPool {
    return this.#pool;
  }

  /** Moves this tree's pending records to another pool (returns them; the new pool may evict). */
  usePool(pool: PendingPool): PendingRecord[] {
    const items = this.#pool.itemsOf(this.#rootHex);
    this.#pool.clearTree(this.#rootHex);
    this.#pool = pool;
    for (const it of items) pool.add(it);
    return items.map((it) => it.rec);
  }

  grant(idHex: string): Grant | undefined {
    return this.#grants.get(idHex);
  }
  revocation(idHex: string): Revocation | undefined {
    return this.#revocations.get(idHex);
  }
  revocationsOf(grantIdHex: string): readonly Revocation[] {
    return this.#revByGrant.get(grantIdHex) ?? [];
  }
  grantsTo(issueeHex: string): readonly Grant[] {
    return this.#byIssuee.get(issueeHex) ?? [];
  }
  allGrants(): Grant[] {
    return [...this.#grants.values()];
  }
  allRevocations(): Revocation[] {
    return [...this.#revocations.values()];
  }
  /** Whether a grant or revocation (by id hex) waits in the pending pool. */
  isPending(idHex: string): boolean {
    return this.#pool.has(this.#rootHex, idHex);
  }

  /** The admitted ancestors of an admitted grant (root side first) along the chain that admitted it. */
  ancestors(grantHex: string): Grant[] {
    const out: Grant[] = [];
    let p = this.#parent.get(grantHex) ?? '';
    while (p !== '' && out.length < MAX_CHAIN_LENGTH) {
      const g = this.#grants.get(p);
      if (g === undefined) break;
      out.unshift(g);
      p = this.#parent.get(p) ?? '';
    }
    return out;
  }

  /** Null when the grant would be admitted now, else MURMUR_TREE_NOT_AUTHORISED. */
  grantProblem(g: Grant): MurmurError | null {
    return this.#admittingChain(g) !== null
      ? null
      : notAuthorised('the issuer holds no grant allowing this sub-grant', { issuer: toHex(g.issuer) });
  }

  /** Null when the revocation would be admitted now, else MURMUR_TREE_NOT_AUTHORISED. */
  revocationProblem(r: Revocation): MurmurError | null {
    const g = this.#grants.get(toHex(r.grantId));
    if (g === undefined)
      return notAuthorised('the revoked grant is not known here', { grant: toHex(r.grantId) });
    if (bytesEqual(r.revoker, this.#root) || bytesEqual(r.revoker, g.issuer)) return null;
    const chain = this.#admittingChain(g, (c) => c.some((x) => bytesEqual(x.issuer, r.revoker)));
    return chain !== null
      ? null
      : notAuthorised('the revoker is neither the issuer of the grant nor above it in its chain', {
          grant: toHex(r.grantId),
        });
  }

  /** Admits a verified grant of this tree (and what it unlocks), or parks it in the pending pool. */
  offerGrant(g: Grant, source = ''): AuthorityChanges {
    const ch = changes();
    const hex = toHex(grantId(g));
    if (this.#grants.has(hex) || this.isPending(hex)) return ch;
    const chain = this.#admittingChain(g);
    if (chain === null) {
      this.#park({ kind: 'grant', record: g }, hex, source, ch);
      return ch;
    }
    const revs: Revocation[] = [];
    this.#admitGrant(g, hex, chain, ch);
    this.#unlockRevocations(hex, revs, ch);
    this.#cascade([toHex(g.issuee)], revs, ch);
    this.#settle(revs, ch);
    return ch;
  }

  /** Admits a verified revocation of this tree (demoting what it cuts off), or parks it. */
  offerRevocation(r: Revocation, source = ''): AuthorityChanges {
    const ch = changes();
    const hex = toHex(revocationId(r));
    if (this.#revocations.has(hex) || this.isPending(hex)) return ch;
    if (this.revocationProblem(r) !== null) {
      this.#park({ kind: 'revocation', record: r }, hex, source, ch);
      return ch;
    }
    this.#admitRevocation(r, hex, ch);
    this.#settle([r], ch);
    return ch;
  }

  /**
   * Chains of admitted grants from the root to `g.issuer` (root side first) under which `g` is a
   * valid sub-grant (see the class comment), depth-first, pruned by sub-grant flag, validity at
   * `g.issuedAt` and pattern containment; the first one `accept` takes, or null (also when the
   * search budget — CHAIN_SEARCH_BUDGET links past the filters — runs out). [] when the root issued g.
   */
  #admittingChain(g: Grant, accept: (chain: Grant[]) => boolean = () => true): Grant[] | null {
    if (bytesEqual(g.issuer, this.#root)) return accept([]) ? [] : null;
    const at = g.issuedAt;
    let budget = CHAIN_SEARCH_BUDGET;
    const walk = (holder: Uint8Array, suffix: Grant[], pattern: string): Grant[] | null => {
      if (suffix.length >= MAX_CHAIN_LENGTH - 1) return null;
      for (const p of this.grantsTo(toHex(holder))) {
        if (!p.subgrant || at < p.issuedAt || (p.expiresAt !== 0 && at > p.expiresAt)) continue;
        if (suffix.includes(p) || !cachedContains(p.pattern, pattern)) continue;
        // only links that pass the cheap filters count: a holder of many grants is no problem
        if (--budget < 0) return null;
        const chain = [p, ...suffix];
        if (bytesEqual(p.issuer, this.#root)) {
          const ids = chain.map(grantId);
          if (chainProblem(this.#root, ids, g.issuer, null, at, this) === null && accept(chain)) return chain;
          continue;
        }
        const found = walk(p.issuer, chain, p.pattern);
        if (found !== null) return found;
      }
      return null;
    };
    return walk(g.issuer, [], g.pattern);
  }

  #admitGrant(g: Grant, hex: string, chain: Grant[], ch: AuthorityChanges): void {
    this.#grants.set(hex, g);
    push(this.#byIssuee, toHex(g.issuee), g);
    push(this.#byIssuer, toHex(g.issuer), g);
    const last = chain[chain.length - 1];
    this.#parent.set(hex, last === undefined ? '' : toHex(grantId(last)));
    ch.admitted.push({ kind: 'grant', record: g });
  }

  #admitRevocation(r: Revocation, hex: string, ch: AuthorityChanges): void {
    this.#revocations.set(hex, r);
    push(this.#revByGrant, toHex(r.grantId), r);
    ch.admitted.push({ kind: 'revocation', record: r });
  }

  /**
   * After admissions: every holder whose chains may have grown (the issuee of a newly admitted
   * grant, and the issuees below it) gets its pending grants re-checked, and the pending
   * revocations of the grants it issued. Admitted revocations are collected in `revs`.
   */
  #cascade(holders: string[], revs: Revocation[], ch: AuthorityChanges): void {
    const seen = new Set<string>();
    const queue = [...holders];
    for (let h = queue.shift(); h !== undefined; h = queue.shift()) {
      if (seen.has(h)) continue;
      seen.add(h);
      for (const it of this.#pool.grantsIssuedBy(this.#rootHex, h)) {
        const g = it.rec.record as Grant;
        const chain = this.#admittingChain(g);
        if (chain === null) continue;
        this.#pool.remove(it.key);
        this.#pool.stats.admitted++;
        this.#admitGrant(g, it.idHex, chain, ch);
        this.#unlockRevocations(it.idHex, revs, ch);
        const issuee = toHex(g.issuee);
        seen.delete(issuee);
        queue.push(issuee);
      }
      for (const g of this.#byIssuer.get(h) ?? []) {
        queue.push(toHex(g.issuee));
        this.#unlockRevocations(toHex(grantId(g)), revs, ch);
      }
    }
  }

  /** Admits the pending revocations of an admitted grant that now have authority. */
  #unlockRevocations(grantHex: string, revs: Revocation[], ch: AuthorityChanges): void {
    for (const it of this.#pool.revocationsOf(this.#rootHex, grantHex)) {
      const r = it.rec.record as Revocation;
      if (this.revocationProblem(r) !== null) continue;
      this.#pool.remove(it.key);
      this.#pool.stats.admitted++;
      this.#admitRevocation(r, it.idHex, ch);
      revs.push(r);
    }
  }

  /**
   * After revocations were admitted: re-checks every admitted grant below each revoked grant (and
   * the revocations naming them); those left without an admitting chain go back to the pool. Only
   * removes (a revocation never grants anything), and each check reads whole chains from the root,
   * so the order of the checks does not matter.
   */
  #settle(revs: readonly Revocation[], ch: AuthorityChanges): void {
    for (const r of revs) {
      const revoked = this.#grants.get(toHex(r.grantId));
      if (revoked === undefined) continue;
      const below: Grant[] = [];
      const seen = new Set<string>();
      const queue = [toHex(revoked.issuee)];
      for (let h = queue.shift(); h !== undefined; h = queue.shift()) {
        if (seen.has(h)) continue;
        seen.add(h);
        for (const g of this.#byIssuer.get(h) ?? []) {
          below.push(g);
          queue.push(toHex(g.issuee));
        }
      }
      for (const g of below) {
        const hex = toHex(grantId(g));
        if (!this.#grants.has(hex)) continue;
        if (this.#admittingChain(g) === null) this.#demote({ kind: 'grant', record: g }, hex, ch);
      }
      for (const g of below) {
        const gHex = toHex(grantId(g));
        for (const rv of [...this.revocationsOf(gHex)]) {
          if (!this.#grants.has(gHex) || this.revocationProblem(rv) !== null)
            this.#demote({ kind: 'revocation', record: rv }, toHex(revocationId(rv)), ch);
        }
      }
    }
  }

  #demote(rec: PendingRecord, hex: string, ch: AuthorityChanges): void {
    if (rec.kind === 'grant') {
      const g = rec.record;
      this.#grants.delete(hex);
      this.#parent.delete(hex);
      pull(this.#byIssuee, toHex(g.issuee), g);
      pull(this.#byIssuer, toHex(g.issuer), g);
    } else {
      const r = rec.record;
      if (!this.#revocations.delete(hex)) return;
      pull(this.#revByGrant, toHex(r.grantId), r);
    }
    ch.demoted.push(rec);
    this.#park(rec, hex, '', ch);
  }

  #park(rec: PendingRecord, idHex: string, source: string, ch: AuthorityChanges): void {
    const res = this.#pool.add({
      tree: this.#rootHex,
      idHex,
      rec,
      bytes: sizeOf(rec),
      signer: toHex(rec.kind === 'grant' ? rec.record.issuer : rec.record.revoker),
      source,
    });
    ch.pending++;
    ch.evicted += res.evicted.length;
    if (res.sourceOverflow) ch.overflow = true;
  }
}

function changes(): AuthorityChanges {
  return { admitted: [], demoted: [], pending: 0, evicted: 0, overflow: false };
}

function sizeOf(rec: PendingRecord): number {
  const base = rec.kind === 'grant' ? 3 * 32 + 64 + 17 + rec.record.pattern.length : 3 * 32 + 64 + 8;
  return base + PENDING_RECORD_OVERHEAD;
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, [v]);
  else cur.push(v);
}

function pull<V>(m: Map<string, V[]>, k: string, v: V): void {
  const cur = m.get(k);
  if (cur === undefined) return;
  const i = cur.indexOf(v);
  if (i >= 0) cur.splice(i, 1);
  if (cur.length === 0) m.delete(k);
}

/** Grants of a bundle with each issuer's grant before the grants it issued (cycles: as given). */
export function parentsFirst(grants: readonly Grant[]): readonly Grant[] {
  if (grants.length < 2) return grants;
  const byIssuer = new Map<string, Grant[]>();
  const issuees = new Set<string>();
  for (const g of grants) {
    const k = latin1(g.issuer);
    const cur = byIssuer.get(k);
    if (cur === undefined) byIssuer.set(k, [g]);
    else cur.push(g);
    issuees.add(latin1(g.issuee));
  }
  const out: Grant[] = [];
  const done = new Set<Grant>();
  const queue = grants.filter((g) => !issuees.has(latin1(g.issuer)));
  for (let i = 0; i < queue.length; i++) {
    const g = queue[i]!;
    if (done.has(g)) continue;
    done.add(g);
    out.push(g);
    for (const c of byIssuer.get(latin1(g.issuee)) ?? []) if (!done.has(c)) queue.push(c);
  }
  for (const g of grants) if (!done.has(g)) out.push(g);
  return out;
}
