import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { isStoreFailure } from '../store/fail-stop.ts';
import type { Level } from '../store/index.ts';
import { parentsFirst } from './authority.ts';
import { type Bundle, decodeEntry, entryId } from './codec.ts';
import { RECORD_CACHE_ENTRIES } from './constants.ts';
import type { HlcClock } from './hlc.ts';
import { fromHex, toHex } from './keys.ts';
import { type PendingLimits, PendingPool, UNBOUNDED_PENDING_LIMITS } from './pending.ts';
import { type ApplyResult, emptyResult, recordId, type TreeRecord, TreeState } from './state.ts';
import { latin1 } from './state-types.ts';
import { loadTree, recKey, recordValue, TREE_KEY_PREFIX, TREES_RANGE, treeKey } from './store-layout.ts';
import type { Entry } from './types.ts';

export { parentsFirst } from './authority.ts';

export interface Refusal {
  kind: TreeRecord['kind'];
  code: string;
  message: string;
}

export interface IngestResult extends ApplyResult {
  refused: Refusal[];
}

export interface TreeStoreEvents {
  /** The visible value of a key changed (entry null = absent or deleted). */
  change: { tree: string; key: string; entry: Entry | null };
  /** Records newly stored (to push to peers). */
  records: { tree: string; records: TreeRecord[] };
}

type Listener<E extends keyof TreeStoreEvents> = (detail: TreeStoreEvents[E]) => void;

/**
 * Every tree held by a node, persisted in an abstract-level database (classic-level on disk,
 * memory-level in tests). Keys: `tree!<root hex>` (held trees) and `t!<root hex>!<e|g|r>!<id hex>`
 * (records, protobuf bytes). Memory holds only the compact indexes (TreeState); full entries are
 * read back by id (`entries()`) through a small LRU, or from the records of batches not yet
 * committed. A write is acknowledged only once its batch is committed, and batches (and the reads
 * that resolve change events) run in order on one chain.
 */
export class TreeStore {
  readonly db: Level;
  readonly #trees = new Map<string, TreeState>();
  readonly #listeners = new Map<string, Set<(d: never) => void>>();
  readonly #log: Logger;
  #chain: Promise<unknown> = Promise.resolve();
  #open = false;
  /** Entries stored in a TreeState whose batch is not committed yet, by latin1 id. */
  readonly #pending = new Map<string, Entry>();
  /** Recently read or written entries, by latin1 id (insertion order = recency). */
  readonly #cache = new Map<string, Entry>();
  /**
   * Counters: records refused, corrupt records skipped at load, records stored; grants and
   * revocations parked in the pending pool on arrival, dropped from it (evicted: never admitted),
   * found on disk without authority at open (deleted from disk, parked).
   */
  readonly counters = {
    refused: 0,
    corrupt: 0,
    accepted: 0,
    pending: 0,
    dropped: 0,
    unadmittedAtLoad: 0,
    /** Own grants/revocations refused for having no authority (API/CLI). */
    notAuthorised: 0,
  };
  /** Grants and revocations that verify but have no authority yet, for every tree (memory only). */
  readonly pool: PendingPool;

  constructor(db: Level, options: { logger?: Logger; pendingLimits?: Partial<PendingLimits> } = {}) {
    this.db = db;
    this.#log = options.logger ?? silentLogger;
    this.pool = new PendingPool(options.pendingLimits);
  }

  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#open) return;
    await this.db.open();
    for await (const key of this.db.keys({ ...TREES_RANGE, keyEncoding: 'utf8' })) {
      throwIfAborted(options.signal);
      await this.#load(String(key).slice(TREE_KEY_PREFIX.length), options.signal);
    }
    this.#open = true;
  }

  async close(): Promise<void> {
    await this.#chain.catch(() => {});
    this.#open = false;
  }

  trees(): string[] {
    return [...this.#trees.keys()];
  }

  /** The state of a held tree (throws MURMUR_TREE_UNKNOWN_TREE). */
  tree(rootHex: string): TreeState {
    const t = this.#trees.get(rootHex);
    if (t === undefined)
      throw new MurmurError('MURMUR_TREE_UNKNOWN_TREE', 'tree not held here', { details: { tree: rootHex } });
    return t;
  }

  /** Starts holding a tree (idempotent). */
  async join(rootHex: string, options: { signal?: AbortSignal } = {}): Promise<TreeState> {
    this.#assertOpen();
    throwIfAborted(options.signal);
    let t = this.#trees.get(rootHex);
    if (t === undefined) {
      t = new TreeState(fromHex(rootHex, 32), this.pool);
      this.#trees.set(rootHex, t);
      await this.#commit([{ type: 'put', key: treeKey(rootHex), value: new Uint8Array(0) }]);
    }
    return t;
  }

  /**
   * Verifies and stores records (grants first, parents before children, then revocations, then
   * entries in timestamp order). Grants and revocations without authority go to the pending pool
   * (`pending`; not stored); when `source` (a peer id) overflows its share of the pool, one
   * MURMUR_TREE_PENDING_OVERFLOW refusal is reported. Each refused record is reported, never
   * thrown; with `clock`, entry timestamps beyond the drift bound are refused and the others
   * observed. Resolves once persisted.
   */
  async ingest(
    rootHex: string,
    bundle: Partial<Bundle>,
    options: { clock?: HlcClock; verify?: boolean; signal?: AbortSignal; source?: string } = {},
  ): Promise<IngestResult> {
    this.#assertOpen();
    throwIfAborted(options.signal);
    const t = this.tree(rootHex);
    const verify = options.verify ?? true;
    const source = options.source ?? '';
    const res: IngestResult = { ...emptyResult(), refused: [] };
    const run = (kind: TreeRecord['kind'], fn: () => ApplyResult): void => {
      try {
        const r = fn();
        res.added.push(...r.added);
        res.removed.push(...r.removed);
        res.changes.push(...r.changes);
        res.demoted.push(...r.demoted);
        res.pending += r.pending;
        res.evicted += r.evicted;
        res.overflow ||= r.overflow;
      } catch (err) {
        if (!(err instanceof MurmurError)) throw err;
        this.counters.refused++;
        res.refused.push({ kind, code: err.code, message: err.message });
      }
    };
    // grants and revocations dated further ahead than the drift bound are refused as entries are
    for (const g of parentsFirst(bundle.grants ?? []))
      run('grant', () => {
        options.clock?.checkWall(g.issuedAt, 'grant issuedAt');
        return t.addGrant(g, verify, source);
      });
    for (const r of bundle.revocations ?? [])
      run('revocation', () => {
        options.clock?.checkWall(r.revokedAt, 'revocation revokedAt');
        return t.addRevocation(r, verify, source);
      });
    const entries = [...(bundle.entries ?? [])].sort((a, b) => a.timestamp - b.timestamp);
    for (const e of entries) {
      run('entry', () => {
        options.clock?.check(e.timestamp);
        const r = t.addEntry(e, verify);
        options.clock?.observe(e.timestamp);
        return r;
      });
    }
    this.counters.accepted += res.added.length;
    this.counters.pending += res.pending;
    this.counters.dropped += res.evicted;
    if (res.overflow) {
      this.counters.refused++;
      res.refused.push({
        kind: 'grant',
        code: 'MURMUR_TREE_PENDING_OVERFLOW',
        message: "unauthorised grants or revocations overflowed the sender's share of the pending pool",
      });
    }
    const persisted = this.#persist(rootHex, res);
    // entries that become visible again (after a revocation) are read right after this batch, on
    // the same chain, so no later batch can delete them first
    const fresh = new Map<string, Entry>();
    for (const a of res.added) if (a.kind === 'entry') fresh.set(latin1(entryId(a.record)), a.record);
    const missing = res.changes.filter((c) => c.entry !== null && !fresh.has(latin1(c.entry.id)));
    const resolved =
      missing.length === 0
        ? Promise.resolve([])
        : this.#serial(() =>
            this.#read(
              rootHex,
              missing.map((c) => c.entry!.id),
            ),
          );
    await persisted;
    for (const [i, e] of (await resolved).entries())
      if (e !== undefined) fresh.set(latin1(missing[i]!.entry!.id), e);
    if (res.added.length > 0) this.#emit('records', { tree: rootHex, records: res.added });
    for (const c of res.changes) {
      const entry = c.entry === null ? null : (fresh.get(latin1(c.entry.id)) ?? null);
      this.#emit('change', { tree: rootHex, key: c.key, entry });
    }
    if (res.refused.length > 0)
      this.#log.debug({ tree: rootHex, refused: res.refused.length }, 'tree records refused');
    return res;
  }

  on<E extends keyof TreeStoreEvents>(event: E, listener: Listener<E>): void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (d: never) => void);
  }

  off<E extends keyof TreeStoreEvents>(event: E, listener: Listener<E>): void {
    this.#listeners.get(event)?.delete(listener as (d: never) => void);
  }

  #emit<E extends keyof TreeStoreEvents>(event: E, detail: TreeStoreEvents[E]): void {
    for (const l of this.#listeners.get(event) ?? []) {
      try {
        (l as Listener<E>)(detail);
      } catch (err) {
        this.#log.warn({ err }, 'tree listener threw');
      }
    }
  }

  /**
   * Full entries of a tree by id (undefined where not held: e.g. superseded meanwhile). Reads the
   * records of uncommitted batches, then the LRU, then the database (one getMany).
   */
  async entries(
    rootHex: string,
    ids: readonly Uint8Array[],
    options: { signal?: AbortSignal } = {},
  ): Promise<(Entry | undefined)[]> {
    this.#assertOpen();
    throwIfAborted(options.signal);
    return this.#read(rootHex, ids);
  }

  /** Every record of a tree with these ids (entries read from the store), in the given order. */
  async records(rootHex: string, ids: readonly Uint8Array[]): Promise<TreeRecord[]> {
    const t = this.tree(rootHex);
    const kinds = ids.map((id) => t.kindOf(id));
    const entryIds = ids.filter((_, i) => kinds[i] === 'entry');
    const entries = entryIds.length === 0 ? [] : await this.#read(rootHex, entryIds);
    const out: TreeRecord[] = [];
    let k = 0;
    ids.forEach((id, i) => {
      const kind = kinds[i];
      if (kind === 'entry') {
        const e = entries[k++];
        if (e !== undefined) out.push({ kind, record: e });
      } else if (kind === 'grant') {
        const g = t.grant(toHex(id));
        if (g !== undefined) out.push({ kind, record: g });
      } else if (kind === 'revocation') {
        const r = t.revocation(toHex(id));
        if (r !== undefined) out.push({ kind, record: r });
      }
    });
    return out;
  }

  async #read(rootHex: string, ids: readonly Uint8Array[]): Promise<(Entry | undefined)[]> {
    const out: (Entry | undefined)[] = new Array(ids.length);
    const todo: number[] = [];
    ids.forEach((id, i) => {
      const k = latin1(id);
      const hit = this.#pending.get(k) ?? this.#cache.get(k);
      if (hit === undefined) todo.push(i);
      else {
        out[i] = hit;
        this.#remember(k, hit);
      }
    });
    if (todo.length === 0) return out;
    const keys = todo.map((i) => recKey(rootHex, 'entry', toHex(ids[i]!)));
    const values = await this.db.getMany(keys, { keyEncoding: 'utf8', valueEncoding: 'view' });
    todo.forEach((i, j) => {
      const k = latin1(ids[i]!);
      const v = values[j] as Uint8Array | undefined;
      let e = this.#pending.get(k);
      if (e === undefined && v !== undefined) {
        try {
          e = decodeEntry(v);
        } catch (err) {
          if (!(err instanceof MurmurError)) throw err;
          this.counters.corrupt++;
        }
      }
      if (e !== undefined) this.#remember(k, e);
      out[i] = e;
    });
    return out;
  }

  #remember(k: string, e: Entry): void {
    this.#cache.delete(k);
    this.#cache.set(k, e);
    if (this.#cache.size > RECORD_CACHE_ENTRIES) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }

  async #persist(rootHex: string, res: ApplyResult): Promise<void> {
    const ops: { type: 'put' | 'del'; key: string; value?: Uint8Array }[] = [];
    const pending: [string, Entry][] = [];
    for (const rec of res.added) {
      if (rec.kind === 'entry') {
        const k = latin1(entryId(rec.record));
        this.#pending.set(k, rec.record);
        pending.push([k, rec.record]);
      }
      ops.push({
        type: 'put',
        key: recKey(rootHex, rec.kind, toHex(recordId(rec))),
        value: recordValue(rec),
      });
    }
    for (const id of res.removed) {
      ops.push({ type: 'del', key: recKey(rootHex, 'entry', toHex(id)) });
      this.#cache.delete(latin1(id));
    }
    for (const rec of res.demoted)
      ops.push({ type: 'del', key: recKey(rootHex, rec.kind, toHex(recordId(rec))) });
    if (ops.length === 0) return;
    try {
      await this.#commit(ops);
    } finally {
      for (const [k, e] of pending) {
        if (this.#pending.get(k) === e) this.#pending.delete(k);
        this.#remember(k, e);
      }
    }
  }

  /** Runs fn after everything queued before it on the store's chain. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn);
    this.#chain = p.catch(() => {});
    return p;
  }

  #commit(ops: { type: 'put' | 'del'; key: string; value?: Uint8Array }[]): Promise<void> {
    const p = this.#serial(() =>
      this.db.batch(
        ops.map((o) =>
          o.type === 'put'
            ? { type: 'put' as const, key: o.key, value: o.value! }
            : { type: 'del' as const, key: o.key },
        ),
        { keyEncoding: 'utf8', valueEncoding: 'view' },
      ),
    );
    return p.catch((cause) => {
      if (isStoreFailure(cause)) throw cause; // disk full / store failed: its own code and status
      throw new MurmurError('MURMUR_IO', 'tree store write failed', { cause });
    });
  }

  async #load(rootHex: string, signal?: AbortSignal): Promise<void> {
    // an unbounded pool while loading (child grants stream in before their parents), then the
    // leftovers — stored by an older version without authority — leave the disk for the real pool
    const t = new TreeState(fromHex(rootHex, 32), new PendingPool(UNBOUNDED_PENDING_LIMITS));
    this.#trees.set(rootHex, t);
    await loadTree(this.db, rootHex, t, this.pool, { counters: this.counters, log: this.#log, signal });
  }

  #assertOpen(): void {
    if (!this.#open) throw new MurmurError('MURMUR_TREE_CLOSED', 'tree store is not open');
  }
}
