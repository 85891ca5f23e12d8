import type { AbstractLevel } from 'abstract-level';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import {
  type Bundle,
  decodeEntry,
  decodeGrant,
  decodeRevocation,
  encodeEntry,
  encodeGrant,
  encodeRevocation,
  entryId,
} from './codec.ts';
import type { HlcClock } from './hlc.ts';
import { fromHex, toHex } from './keys.ts';
import { type ApplyResult, type KeyChange, recordId, type TreeRecord, TreeState } from './state.ts';

export type TreeDb = AbstractLevel<string | Uint8Array, string | Uint8Array, Uint8Array>;

export interface Refusal {
  kind: TreeRecord['kind'];
  code: string;
  message: string;
}

export interface IngestResult extends ApplyResult {
  refused: Refusal[];
}

export interface TreeStoreEvents {
  /** The visible value of a key changed. */
  change: { tree: string } & KeyChange;
  /** Records newly stored (to push to peers). */
  records: { tree: string; records: TreeRecord[] };
}

type Listener<E extends keyof TreeStoreEvents> = (detail: TreeStoreEvents[E]) => void;

const KIND_TAG = { entry: 'e', grant: 'g', revocation: 'r' } as const;
const SEP = '!';

/**
 * Every tree held by a node, persisted in an abstract-level database (classic-level on disk,
 * memory-level in tests). Keys: `tree!<root hex>` (held trees) and `t!<root hex>!<e|g|r>!<id hex>`
 * (records, protobuf bytes). Memory holds the indexes (TreeState); a write is acknowledged only
 * once its batch is committed, and batches are committed in order.
 */
export class TreeStore {
  readonly db: TreeDb;
  readonly #trees = new Map<string, TreeState>();
  readonly #listeners = new Map<string, Set<(d: never) => void>>();
  readonly #log: Logger;
  #chain: Promise<unknown> = Promise.resolve();
  #open = false;
  /** Counters: records refused and corrupt records skipped at load. */
  readonly counters = { refused: 0, corrupt: 0, accepted: 0 };

  constructor(db: TreeDb, options: { logger?: Logger } = {}) {
    this.db = db;
    this.#log = options.logger ?? silentLogger;
  }

  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#open) return;
    await this.db.open();
    for await (const key of this.db.keys({ gte: `tree${SEP}`, lt: `tree${SEP}~`, keyEncoding: 'utf8' })) {
      throwIfAborted(options.signal);
      await this.#load(String(key).slice(5), options.signal);
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
      t = new TreeState(fromHex(rootHex, 32));
      this.#trees.set(rootHex, t);
      await this.#commit([{ type: 'put', key: `tree${SEP}${rootHex}`, value: new Uint8Array(0) }]);
    }
    return t;
  }

  /**
   * Verifies and stores records (grants first, then revocations, then entries in timestamp order).
   * Each refused record is reported, never thrown; with `clock`, entry timestamps beyond the drift
   * bound are refused and the others observed. Resolves once persisted.
   */
  async ingest(
    rootHex: string,
    bundle: Partial<Bundle>,
    options: { clock?: HlcClock; verify?: boolean; signal?: AbortSignal } = {},
  ): Promise<IngestResult> {
    this.#assertOpen();
    throwIfAborted(options.signal);
    const t = this.tree(rootHex);
    const verify = options.verify ?? true;
    const res: IngestResult = { added: [], removed: [], changes: [], refused: [] };
    const run = (kind: TreeRecord['kind'], fn: () => ApplyResult): void => {
      try {
        const r = fn();
        res.added.push(...r.added);
        res.removed.push(...r.removed);
        res.changes.push(...r.changes);
      } catch (err) {
        if (!(err instanceof MurmurError)) throw err;
        this.counters.refused++;
        res.refused.push({ kind, code: err.code, message: err.message });
      }
    };
    for (const g of bundle.grants ?? []) run('grant', () => t.addGrant(g, verify));
    for (const r of bundle.revocations ?? []) run('revocation', () => t.addRevocation(r, verify));
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
    await this.#persist(rootHex, res);
    this.#emitResult(rootHex, res);
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

  #emitResult(rootHex: string, res: ApplyResult): void {
    if (res.added.length > 0) this.#emit('records', { tree: rootHex, records: res.added });
    for (const c of res.changes) this.#emit('change', { tree: rootHex, ...c });
  }

  async #persist(rootHex: string, res: ApplyResult): Promise<void> {
    const ops: { type: 'put' | 'del'; key: string; value?: Uint8Array }[] = [];
    for (const rec of res.added) {
      const value =
        rec.kind === 'entry'
          ? encodeEntry(rec.record)
          : rec.kind === 'grant'
            ? encodeGrant(rec.record)
            : encodeRevocation(rec.record);
      ops.push({ type: 'put', key: recKey(rootHex, rec.kind, toHex(recordId(rec))), value });
    }
    for (const e of res.removed) ops.push({ type: 'del', key: recKey(rootHex, 'entry', toHex(entryId(e))) });
    if (ops.length > 0) await this.#commit(ops);
  }

  #commit(ops: { type: 'put' | 'del'; key: string; value?: Uint8Array }[]): Promise<void> {
    const p = this.#chain.then(() =>
      this.db.batch(
        ops.map((o) =>
          o.type === 'put'
            ? { type: 'put' as const, key: o.key, value: o.value! }
            : { type: 'del' as const, key: o.key },
        ),
        { keyEncoding: 'utf8', valueEncoding: 'view' },
      ),
    );
    this.#chain = p.catch(() => {});
    return p.catch((cause) => {
      throw new MurmurError('MURMUR_IO', 'tree store write failed', { cause });
    });
  }

  async #load(rootHex: string, signal?: AbortSignal): Promise<void> {
    const t = new TreeState(fromHex(rootHex, 32));
    this.#trees.set(rootHex, t);
    const read = async <T>(tag: string, decode: (b: Uint8Array) => T, apply: (x: T) => void) => {
      const prefix = `t${SEP}${rootHex}${SEP}${tag}${SEP}`;
      for await (const [, value] of this.db.iterator({
        gte: prefix,
        lt: `${prefix}~`,
        keyEncoding: 'utf8',
        valueEncoding: 'view',
      })) {
        throwIfAborted(signal);
        try {
          apply(decode(value as Uint8Array));
        } catch (err) {
          if (!(err instanceof MurmurError)) throw err;
          this.counters.corrupt++;
          this.#log.warn({ tree: rootHex, code: err.code }, 'skipping unreadable tree record');
        }
      }
    };
    // Records on disk were verified when stored: signatures are not checked again.
    await read('g', decodeGrant, (g) => t.addGrant(g, false));
    await read('r', decodeRevocation, (r) => t.addRevocation(r, false));
    const entries: ReturnType<typeof decodeEntry>[] = [];
    await read('e', decodeEntry, (e) => entries.push(e));
    entries.sort((a, b) => a.timestamp - b.timestamp);
    for (const e of entries) {
      try {
        t.addEntry(e, false);
      } catch (err) {
        if (!(err instanceof MurmurError)) throw err;
        this.counters.corrupt++;
      }
    }
  }

  #assertOpen(): void {
    if (!this.#open) throw new MurmurError('MURMUR_TREE_CLOSED', 'tree store is not open');
  }
}

function recKey(rootHex: string, kind: TreeRecord['kind'], idHex: string): string {
  return `t${SEP}${rootHex}${SEP}${KIND_TAG[kind]}${SEP}${idHex}`;
}
