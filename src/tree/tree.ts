import type { Clock } from '../clock/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { chainProblem } from './authorize.ts';
import { type Bundle, grantId, revocationId } from './codec.ts';
import { MAX_CHAIN_LENGTH } from './constants.ts';
import { contains, parsePattern } from './glob.ts';
import { HlcClock, hlcWall } from './hlc.ts';
import { bytesEqual, fromHex, type Signer, toHex } from './keys.ts';
import { ListFilter } from './list-filter.ts';
import { makeEntry, makeGrant, makeRevocation } from './records.ts';
import type { TreeRecord, TreeState } from './state.ts';
import type { IngestResult, TreeStore, TreeStoreEvents } from './store.ts';
import { type Subscription, Subscriptions } from './subscriptions.ts';
import type { Entry, Grant, Revocation } from './types.ts';

export interface TreeOptions {
  /** Key that signs this client's writes, grants and revocations. */
  signer?: Signer;
  /** Timestamps of this client's writes (default: an HLC on `timers`, else on the system clock). */
  clock?: HlcClock;
  /** Delay before an unsubscribed key's interest is dropped. */
  cullDelayMs?: number;
  /** Clock of the subscriptions' timers (the service's `ctx.clock`; default `systemClock`). */
  timers?: Clock;
}

export type WatchEvent = { type: 'entry'; key: string; entry: Entry | null } | { type: 'tail' };

/** Entries read from the store per round trip by list(). */
const LIST_READ_BATCH = 1024;

const ORDER: Record<string, number> = {
  MURMUR_TREE_GRANT_REVOKED: 0,
  MURMUR_TREE_GRANT_EXPIRED: 1,
  MURMUR_TREE_PATTERN_OUTSIDE_PARENT: 2,
  MURMUR_TREE_NO_SUBGRANT: 3,
};

/**
 * Library view of one tree held in a TreeStore: put/get/del/list/watch/subscribe, grant/revoke.
 * Writes are signed with `signer`; a non-root signer's grant chain is found among stored grants.
 * The network layer feeds peers' records through ingest() and listens to the store's events.
 */
export class Tree {
  readonly store: TreeStore;
  readonly rootHex: string;
  readonly clock: HlcClock;
  readonly subscriptions: Subscriptions;
  readonly #signer: Signer | undefined;
  readonly #onChange: (d: TreeStoreEvents['change']) => void;

  private constructor(store: TreeStore, rootHex: string, options: TreeOptions) {
    this.store = store;
    this.rootHex = rootHex;
    this.clock = options.clock ?? new HlcClock(options.timers === undefined ? {} : { clock: options.timers });
    this.#signer = options.signer;
    this.clock.seed(store.tree(rootHex).maxTimestamp());
    this.subscriptions = new Subscriptions({
      cullDelayMs: options.cullDelayMs,
      ...(options.timers === undefined ? {} : { clock: options.timers }),
    });
    this.#onChange = (d) => {
      if (d.tree === this.rootHex) this.subscriptions.notifyValue(d.key, d.entry?.value ?? null);
    };
    store.on('change', this.#onChange);
  }

  /** Joins (holds) the tree named by `rootHex` in `store` and returns a client for it. */
  static async open(
    store: TreeStore,
    rootHex: string,
    options: TreeOptions & { signal?: AbortSignal } = {},
  ): Promise<Tree> {
    fromHex(rootHex, 32);
    await store.join(rootHex, { signal: options.signal });
    return new Tree(store, rootHex, options);
  }

  close(): void {
    this.store.off('change', this.#onChange);
    this.subscriptions.clear();
  }

  get state(): TreeState {
    return this.store.tree(this.rootHex);
  }
  get root(): Uint8Array {
    return this.state.root;
  }
  rootHash(): Uint8Array {
    return this.state.fingerprint.hash();
  }

  /** The visible value of a key and its entry, or undefined (absent or deleted). */
  async get(
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ value: Uint8Array; entry: Entry } | undefined> {
    for (;;) {
      const ref = this.state.latest(key);
      if (ref === undefined || ref.tombstone) return undefined;
      const [e] = await this.store.entries(this.rootHex, [ref.id], options);
      if (e !== undefined && e.value !== null) return { value: e.value, entry: e };
      // superseded while reading: read the new head; the same head missing means a corrupt record
      if (bytesEqual(this.state.latest(key)?.id ?? new Uint8Array(0), ref.id)) return undefined;
    }
  }

  async put(key: string, value: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    return this.#write(key, value, options);
  }

  async del(key: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    return this.#write(key, null, options);
  }

  /** Visible entries whose keys pass the ordered filters, in key order (read from the store). */
  async list(filters: readonly string[] = [], options: { signal?: AbortSignal } = {}): Promise<Entry[]> {
    const f = new ListFilter(filters);
    const refs = [...this.state.visibleEntries(f.prefix())].filter((e) => f.matches(e.key));
    const out: Entry[] = [];
    for (let i = 0; i < refs.length; i += LIST_READ_BATCH) {
      const got = await this.store.entries(
        this.rootHex,
        refs.slice(i, i + LIST_READ_BATCH).map((r) => r.id),
        options,
      );
      for (const e of got) if (e !== undefined && e.value !== null) out.push(e);
    }
    return out;
  }

  /** Initial matching set, then a TAIL marker, then changes of matching keys until aborted. */
  async *watch(
    filters: readonly string[] = [],
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<WatchEvent> {
    const f = new ListFilter(filters);
    const queue: WatchEvent[] = [];
    let wake: (() => void) | null = null;
    const listener = (d: TreeStoreEvents['change']) => {
      if (d.tree !== this.rootHex || !f.matches(d.key)) return;
      queue.push({ type: 'entry', key: d.key, entry: d.entry });
      wake?.();
    };
    const onAbort = () => wake?.();
    this.store.on('change', listener);
    options.signal?.addEventListener('abort', onAbort);
    try {
      for (const e of await this.list(filters, options)) yield { type: 'entry', key: e.key, entry: e };
      yield { type: 'tail' };
      while (!options.signal?.aborted) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      this.store.off('change', listener);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Subscribes to a key; the state starts with its current value. */
  async subscribe(key: string, options: { signal?: AbortSignal } = {}): Promise<Subscription> {
    if (!this.subscriptions.keys().includes(key)) {
      for (;;) {
        const ref = this.state.latest(key);
        const got = await this.get(key, options);
        // a change between the read and now is applied by the change event only once subscribed:
        // read again until the head did not move meanwhile
        const now = this.state.latest(key);
        if ((ref === undefined) === (now === undefined) && (ref === undefined || bytesEqual(ref.id, now!.id)))
          return this.subscriptions.subscribe(key, got?.value ?? null);
      }
    }
    return this.subscriptions.subscribe(key);
  }

  /** Issues a grant to `to` (hex public key). The signer must be the root or hold a sub-grantable chain containing `pattern`. */
  async grant(
    g: { to: string; pattern: string; subgrant?: boolean; expiresAt?: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<Grant> {
    const signer = this.#requireSigner();
    parsePattern(g.pattern);
    const now = hlcWall(this.clock.tick());
    if (!bytesEqual(signer.publicKey, this.root)) this.#findChain(signer.publicKey, null, now, g.pattern);
    const grant = makeGrant(signer, {
      tree: this.root,
      pattern: g.pattern,
      subgrant: g.subgrant ?? false,
      issuee: fromHex(g.to, 32),
      issuedAt: now,
      expiresAt: g.expiresAt ?? 0,
    });
    this.#authorised(this.state.grantProblem(grant));
    await this.#ingestOwn({ grants: [grant] }, options);
    return grant;
  }

  /**
   * Revokes a grant (by id hex); the signer must be its issuer, an issuer above it, or the root,
   * and the grant must be known here (else MURMUR_TREE_NOT_AUTHORISED, nothing stored or sent).
   */
  async revoke(grantIdHex: string, options: { signal?: AbortSignal } = {}): Promise<Revocation> {
    const signer = this.#requireSigner();
    const rev = makeRevocation(signer, {
      tree: this.root,
      grantId: fromHex(grantIdHex, 32),
      revokedAt: hlcWall(this.clock.tick()),
    });
    this.#authorised(this.state.revocationProblem(rev));
    await this.#ingestOwn({ revocations: [rev] }, options);
    return rev;
  }

  #authorised(problem: MurmurError | null): void {
    if (problem === null) return;
    this.store.counters.notAuthorised++;
    throw problem;
  }

  /** Every stored (admitted) grant with its id and whether an admitted revocation names it. */
  grants(): { id: string; grant: Grant; revoked: boolean }[] {
    const s = this.state;
    return s.allGrants().map((grant) => {
      const id = toHex(grantId(grant));
      return { id, grant, revoked: s.revocationsOf(id).length > 0 };
    });
  }

  /**
   * Records received from a peer (`source`: its id, for its share of the pending pool): verified,
   * drift-checked, stored — or, grants and revocations without authority, parked. Refusals are
   * reported.
   */
  ingest(
    bundle: Partial<Bundle>,
    options: { signal?: AbortSignal; source?: string } = {},
  ): Promise<IngestResult> {
    return this.store.ingest(this.rootHex, bundle, {
      clock: this.clock,
      signal: options.signal,
      ...(options.source === undefined ? {} : { source: options.source }),
    });
  }

  /** The records with these ids, plus every grant and revocation the entries among them rely on. */
  async bundleFor(idHexes: Iterable<string>): Promise<Bundle> {
    return bundleOf(
      this.state,
      await this.store.records(
        this.rootHex,
        [...idHexes].map((h) => fromHex(h, 32)),
      ),
    );
  }

  async #write(key: string, value: Uint8Array | null, options: { signal?: AbortSignal }): Promise<Entry> {
    throwIfAborted(options.signal);
    const signer = this.#requireSigner();
    const timestamp = this.clock.tick();
    const grants = bytesEqual(signer.publicKey, this.root)
      ? []
      : this.#findChain(signer.publicKey, key, hlcWall(timestamp));
    const entry = makeEntry(signer, { tree: this.root, key, value, timestamp, grants });
    await this.#ingestOwn({ entries: [entry] }, options);
    return entry;
  }

  async #ingestOwn(bundle: Partial<Bundle>, options: { signal?: AbortSignal }): Promise<void> {
    const res = await this.store.ingest(this.rootHex, bundle, { signal: options.signal });
    const refused = res.refused[0];
    if (refused !== undefined) throw new MurmurError(refused.code as 'MURMUR_TREE_NO_GRANT', refused.message);
    if (res.pending > 0) {
      // checked before signing, so only a race with a revocation gets here: keep nothing
      for (const g of bundle.grants ?? []) this.store.pool.remove(this.rootHex + toHex(grantId(g)));
      for (const r of bundle.revocations ?? []) this.store.pool.remove(this.rootHex + toHex(revocationId(r)));
      this.#authorised(new MurmurError('MURMUR_TREE_NOT_AUTHORISED', 'no authority for this record here'));
    }
  }

  /**
   * Finds a grant chain from the root to `signer` valid at `wallMs` for writing `key`, or (key null)
   * for issuing a sub-grant with pattern `subPattern`. Throws the most telling refusal.
   */
  #findChain(signer: Uint8Array, key: string | null, wallMs: number, subPattern?: string): Uint8Array[] {
    const s = this.state;
    let best: MurmurError | null = null;
    const consider = (err: MurmurError): void => {
      if (best === null || (ORDER[err.code] ?? 9) < (ORDER[best.code] ?? 9)) best = err;
    };
    const candidates: Grant[][] = [];
    const walk = (holder: Uint8Array, suffix: Grant[]): void => {
      if (suffix.length >= MAX_CHAIN_LENGTH || candidates.length > 256) return;
      for (const g of s.grantsTo(toHex(holder))) {
        if (suffix.includes(g)) continue;
        const chain = [g, ...suffix];
        if (bytesEqual(g.issuer, this.root)) candidates.push(chain);
        else walk(g.issuer, chain);
      }
    };
    walk(signer, []);
    for (const chain of candidates) {
      const ids = chain.map(grantId);
      const err = chainProblem(this.root, ids, signer, key, wallMs, s);
      if (err !== null) {
        consider(err);
        continue;
      }
      const last = chain[chain.length - 1]!;
      if (subPattern !== undefined) {
        if (!last.subgrant) {
          consider(new MurmurError('MURMUR_TREE_NO_SUBGRANT', 'your grant does not allow sub-grants'));
          continue;
        }
        if (!contains(last.pattern, subPattern)) {
          consider(new MurmurError('MURMUR_TREE_PATTERN_OUTSIDE_PARENT', 'pattern outside your grant'));
          continue;
        }
      }
      return ids;
    }
    const found = best as MurmurError | null;
    if (found !== null && found.code !== 'MURMUR_TREE_PATTERN_MISMATCH') throw found;
    throw new MurmurError(
      'MURMUR_TREE_NO_GRANT',
      key === null ? 'no grant lets you grant this pattern' : 'no grant for this key',
      {
        details: key === null ? { pattern: subPattern } : { key },
      },
    );
  }

  #requireSigner(): Signer {
    if (this.#signer === undefined)
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'this tree client has no signing key');
    return this.#signer;
  }
}

/**
 * A bundle of records plus every grant and revocation their entries rely on, and the admitted
 * ancestors of the grants among them (so a receiver can admit them; parents come first).
 */
export function bundleOf(s: TreeState, records: readonly TreeRecord[]): Bundle {
  const out: Bundle = { entries: [], grants: [], revocations: [] };
  const grants = new Set<string>();
  for (const r of records) {
    if (r.kind === 'entry') {
      out.entries.push(r.record);
      for (const g of r.record.grants) grants.add(toHex(g));
    } else if (r.kind === 'grant') {
      const h = toHex(grantId(r.record));
      for (const a of s.ancestors(h)) grants.add(toHex(grantId(a)));
      grants.add(h);
    } else out.revocations.push(r.record);
  }
  for (const h of grants) {
    const g = s.grant(h);
    if (g !== undefined) out.grants.push(g);
    for (const rev of s.revocationsOf(h)) if (!out.revocations.includes(rev)) out.revocations.push(rev);
  }
  return out;
}
