/**
 * One table file and its operations: the library API behind the `p2ptbl` command. Keys and values are
 * binary strings (see ./rows.ts). Reads take no lock; every write holds the table's exclusive lock and
 * replaces the file atomically.
 */
import { spawn } from 'node:child_process';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import {
  DEFAULT_HOT_SENDS,
  DEFAULT_MERGE_HOT_SENDS,
  MAX_RECV_TABLE_BYTES,
  MAX_ROW_BYTES,
  MAX_TABLE_FILE_BYTES,
} from './constants.ts';
import {
  type DecodeOptions,
  decodeGossip,
  type GossipSelection,
  gossipKey,
  payloadBudget,
  selectGossip,
} from './gossip.ts';
import { changedKeys, coolSent, type HotState, markHot, readHot, splitHot, writeHot } from './hot.ts';
import {
  assertKey,
  assertValue,
  findRow,
  mergeRows,
  type ParseResult,
  parseTable,
  pickRow,
  putRow,
  type Row,
  rowBytes,
  tableBytes,
} from './rows.ts';
import { createTableFile, readBinaryFile, readTableFile, transact, withTableLock } from './store.ts';
import { nextVersion } from './version.ts';

export interface TableOptions {
  /** How long writers wait for the lock (default LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number;
  logger?: Logger;
  /** K: a row changed by update, del or filter goes first in its next K gossips (0: never hot). */
  hotSends?: number;
  /** K for a row a merge (received gossip, mergeFile) changed (0: never hot). */
  mergeHotSends?: number;
  /** Gossip the original way (uniform random subset, hot rows ignored and never cooled). */
  uniform?: boolean;
  /** Largest table the node's own writes may make (default MAX_TABLE_FILE_BYTES, what a read accepts). */
  maxTableBytes?: number;
  /** Largest table received rows may make (default MAX_RECV_TABLE_BYTES; the rest is the node's own). */
  maxReceivedTableBytes?: number;
  /** Largest row an update may write and a received payload may carry (default MAX_ROW_BYTES). */
  maxRowBytes?: number;
}

export interface GossipOptions extends OpOptions {
  /** Bytes the transport adds (HBBP encryption envelope): the budget shrinks by that much. */
  overhead?: number;
  /** Override the table's `uniform` option for this gossip. */
  uniform?: boolean;
  /** Uniform integer in [0, n) (tests); default crypto.randomInt. */
  randomInt?: (n: number) => number;
}

export interface OpOptions {
  signal?: AbortSignal;
}

export interface MergeStats {
  /** Rows offered (after parsing). */
  received: number;
  /** Rows that changed the table (new keys or winning variants). */
  changed: number;
  /** Malformed rows skipped while parsing the input. */
  skipped: number;
  /** Rows over the row size cap, skipped (received payloads). */
  oversized: number;
  /**
   * Winning rows not merged: past the per-payload row cap, or because they would grow the table past
   * the size received rows may take.
   */
  refused: number;
}

export interface FilterStats {
  changed: number;
  deleted: number;
  unchanged: number;
}

export class Table {
  readonly path: string;
  readonly #lockTimeoutMs: number | undefined;
  readonly #log: Logger;
  readonly #hotSends: number;
  readonly #mergeHotSends: number;
  readonly #uniform: boolean;
  readonly #maxTable: number;
  readonly #maxReceived: number;
  readonly #maxRow: number;

  constructor(path: string, opts: TableOptions = {}) {
    this.path = path;
    this.#maxTable = opts.maxTableBytes ?? MAX_TABLE_FILE_BYTES;
    this.#maxReceived = Math.min(opts.maxReceivedTableBytes ?? MAX_RECV_TABLE_BYTES, this.#maxTable);
    this.#maxRow = opts.maxRowBytes ?? MAX_ROW_BYTES;
    this.#lockTimeoutMs = opts.lockTimeoutMs;
    this.#hotSends = opts.hotSends ?? DEFAULT_HOT_SENDS;
    this.#mergeHotSends = opts.mergeHotSends ?? DEFAULT_MERGE_HOT_SENDS;
    this.#uniform = opts.uniform ?? false;
    this.#log = (opts.logger ?? silentLogger).child({ table: path });
  }

  /** The HBBP key this table gossips under: `p2ptbl/<basename>`. */
  get gossipKey(): string {
    return gossipKey(this.path);
  }

  /** Creates the folder and an empty table; an existing table is kept. Resolves true if it was created. */
  async init(opts: OpOptions = {}): Promise<boolean> {
    throwIfAborted(opts.signal);
    return createTableFile(this.path);
  }

  /** All rows, tombstones included, sorted by key. */
  async read(opts: OpOptions = {}): Promise<ParseResult> {
    throwIfAborted(opts.signal);
    const result = await readTableFile(this.path);
    if (result.skipped > 0)
      this.#log.warn({ skipped: result.skipped }, 'malformed rows in table file skipped');
    return result;
  }

  /** The live row of `key` (undefined if absent or deleted). */
  async get(key: string, opts: OpOptions = {}): Promise<Row | undefined> {
    const row = findRow((await this.read(opts)).rows, key);
    return row?.value === null ? undefined : row;
  }

  /** Sets `key` to `value` (tab-joined values), version = old + 1 + random(2^32). Returns the new row. */
  async update(key: string, value: string, opts: OpOptions = {}): Promise<Row> {
    assertKey(key);
    assertValue(value);
    return this.#write(opts, ({ rows }) => {
      const row: Row = { key, version: nextVersion(findRow(rows, key)?.version), value };
      if (rowBytes(row) > this.#maxRow) {
        throw new MurmurError(
          'MURMUR_P2PTBL_TOO_LARGE',
          `a row of ${rowBytes(row)} bytes exceeds the ${this.#maxRow}-byte row cap`,
          {
            details: { size: rowBytes(row), max: this.#maxRow },
          },
        );
      }
      return { rows: putRow(rows, row), result: row };
    });
  }

  /**
   * Deletes `key` by writing a tombstone (`key \t version`, no value) above the old version, so gossip
   * cannot bring the old value back. Returns the tombstone, or undefined if there was no live row.
   */
  async delete(key: string, opts: OpOptions = {}): Promise<Row | undefined> {
    assertKey(key);
    return this.#write(opts, ({ rows }) => {
      const old = findRow(rows, key);
      if (old === undefined || old.value === null) return { result: undefined };
      const row: Row = { key, version: nextVersion(old.version), value: null };
      return { rows: putRow(rows, row), result: row };
    });
  }

  /**
   * Joins `incoming` (canonical rows, e.g. from parseTable) into the table. `received` marks rows from
   * the network: they may grow the table only up to `maxReceivedTableBytes`, so the node's own writes
   * always have room.
   */
  async mergeRows(
    incoming: ParseResult & { oversized?: number; dropped?: number },
    opts: OpOptions & { create?: boolean; received?: boolean } = {},
  ): Promise<MergeStats> {
    const cap = opts.received === true ? this.#maxReceived : this.#maxTable;
    return this.#write(
      opts,
      ({ rows }) => {
        let merged = mergeRows(rows, incoming.rows);
        let refused = incoming.dropped ?? 0;
        if (tableBytes(merged) > cap)
          ({ rows: merged, refused: refused } = mergeWithin(rows, incoming.rows, cap, refused));
        let changed = 0;
        for (const row of incoming.rows)
          if (findRow(merged, row.key) === row && findRow(rows, row.key) !== row) changed++;
        const result: MergeStats = {
          received: incoming.rows.length,
          changed,
          skipped: incoming.skipped,
          oversized: incoming.oversized ?? 0,
          refused,
        };
        return changed > 0 ? { rows: merged, result } : { result };
      },
      opts.create,
      this.#mergeHotSends,
    );
  }

  /** Merges another table file (`merge T FILE`). */
  async mergeFile(file: string, opts: OpOptions = {}): Promise<MergeStats> {
    return this.mergeRows(parseTable(await readBinaryFile(file)), opts);
  }

  /** Inflates a gossip payload (bounded) and merges it, creating the table if missing (`p2ptbl-recv`). */
  async receive(payload: Uint8Array, opts: OpOptions & DecodeOptions = {}): Promise<MergeStats> {
    const incoming = decodeGossip(payload, { maxRowBytes: this.#maxRow, ...opts });
    const stats = await this.mergeRows(incoming, { ...opts, create: true, received: true });
    if (stats.skipped + stats.oversized + stats.refused > 0) {
      const { skipped, oversized, refused } = stats;
      this.#log.warn(
        { skipped, oversized, refused },
        'gossip rows left out (malformed, oversized or over the table cap)',
      );
    }
    return stats;
  }

  /**
   * Picks the rows and payload of one gossip datagram of at most `size` bytes (undefined if empty):
   * hot rows first (most sends left first, shuffled among equals), then a uniform shuffle of the
   * rest, the largest prefix whose gzip fits. Runs under the table lock (as the original's gossip
   * held a shared flock) so no hot row is sent uncounted; the hot rows sent lose one send (sidecar
   * rewritten). With `uniform`: the original selection, no lock, the sidecar neither read nor written.
   */
  async gossip(size: number, opts: GossipOptions = {}): Promise<GossipSelection | undefined> {
    const budget = payloadBudget(size, this.gossipKey, opts.overhead);
    const rand = opts.randomInt ? { randomInt: opts.randomInt } : {};
    if (opts.uniform ?? this.#uniform) return selectGossip((await this.read(opts)).rows, budget, rand);
    return withTableLock(
      this.path,
      async () => {
        const { rows } = await this.read(opts);
        const state = await readHot(this.path);
        if (state.size === 0) return selectGossip(rows, budget, rand);
        const { hot, rest } = splitHot(rows, state, opts.randomInt);
        const live: HotState = new Map();
        for (const r of hot) live.set(r.key, state.get(r.key) ?? 0);
        const selection = selectGossip(rest, budget, { ...rand, first: hot });
        if (selection !== undefined) coolSent(live, selection.rows, selection.oversizedRows);
        if (!(await writeHot(this.path, live))) this.#log.warn('cannot write the hot-rows sidecar');
        return selection;
      },
      this.#lockOptions(opts),
    );
  }

  /**
   * Pipes the live rows as `key \t values` lines through `program args…` and writes back what it
   * prints: rows it changes or adds get a new version, rows it drops become tombstones, identical rows
   * keep their version. A failing program or a malformed output line leaves the table unchanged.
   */
  async filter(program: string, args: readonly string[], opts: OpOptions = {}): Promise<FilterStats> {
    return this.#write(opts, async ({ rows }) => {
      const live = rows.filter((r) => r.value !== null);
      let input = '';
      for (const r of live) input += `${r.key}\t${r.value}\n`;
      const output = await runFilter(program, args, input, opts.signal);
      const wanted = new Map<string, string>();
      for (const line of output.split('\n')) {
        if (line === '') continue;
        const tab = line.indexOf('\t');
        const key = tab < 0 ? '' : line.slice(0, tab);
        const value = line.slice(tab + 1);
        if (tab <= 0 || key.includes('\0') || value.includes('\0')) {
          throw new MurmurError(
            'MURMUR_P2PTBL_FILTER_FAILED',
            `filter printed a malformed row: ${JSON.stringify(line)}`,
          );
        }
        wanted.set(key, value);
      }
      const stats: FilterStats = { changed: 0, deleted: 0, unchanged: 0 };
      let next = rows;
      for (const r of live) {
        if (!wanted.has(r.key)) {
          next = putRow(next, { key: r.key, version: nextVersion(r.version), value: null });
          stats.deleted++;
        }
      }
      for (const [key, value] of wanted) {
        const old = findRow(rows, key);
        if (old?.value === value) {
          stats.unchanged++;
          continue;
        }
        next = putRow(next, { key, version: nextVersion(old?.version), value });
        stats.changed++;
      }
      return stats.changed + stats.deleted > 0 ? { rows: next, result: stats } : { result: stats };
    });
  }

  #lockOptions(opts: OpOptions): { signal?: AbortSignal; timeoutMs?: number } {
    return {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(this.#lockTimeoutMs === undefined ? {} : { timeoutMs: this.#lockTimeoutMs }),
    };
  }

  /** Read-modify-write under the lock; rows it changes become hot for `sends` gossips. */
  #write<T>(
    opts: OpOptions,
    change: (current: ParseResult) => Promise<{ rows?: Row[]; result: T }> | { rows?: Row[]; result: T },
    create = false,
    sends = this.#hotSends,
  ): Promise<T> {
    const afterWrite =
      sends > 0
        ? async (before: readonly Row[], after: readonly Row[]): Promise<void> => {
            const keys = changedKeys(before, after);
            if (keys.length === 0) return;
            const state = await readHot(this.path);
            markHot(state, keys, sends);
            if (!(await writeHot(this.path, state))) this.#log.warn('cannot write the hot-rows sidecar');
          }
        : undefined;
    const maxTable = this.#maxTable;
    const bounded = async (current: ParseResult): Promise<{ rows?: Row[]; result: T }> => {
      const out = await change(current);
      if (out.rows !== undefined && tableBytes(out.rows) > maxTable) {
        throw new MurmurError('MURMUR_P2PTBL_TOO_LARGE', `the table would exceed its ${maxTable}-byte cap`, {
          details: { max: maxTable },
        });
      }
      return out;
    };
    return transact(this.path, bounded, {
      create,
      ...this.#lockOptions(opts),
      ...(afterWrite ? { afterWrite } : {}),
    });
  }
}

/**
 * Merges `incoming` into `rows` one winning row at a time, refusing each row that would take the
 * table past `cap` bytes (a new key, or a longer value), in key order. Only used when the plain merge
 * is over the cap, so the per-row insert cost stays off the common path.
 */
function mergeWithin(
  rows: readonly Row[],
  incoming: readonly Row[],
  cap: number,
  refused: number,
): { rows: Row[]; refused: number } {
  let out = [...rows];
  let size = tableBytes(out);
  for (const row of incoming) {
    const old = findRow(out, row.key);
    if (old !== undefined && pickRow(old, row) !== row) continue;
    const delta = rowBytes(row) - (old === undefined ? 0 : rowBytes(old));
    if (size + delta > cap) {
      refused++;
      continue;
    }
    out = putRow(out, row);
    size += delta;
  }
  return { rows: out, refused };
}

function runFilter(
  program: string,
  args: readonly string[],
  input: string,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'], ...(signal ? { signal } : {}) });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stdin.on('error', () => {});
    child.on('error', (err) =>
      reject(
        signal?.aborted
          ? new MurmurError('MURMUR_ABORTED', 'filter aborted')
          : new MurmurError('MURMUR_P2PTBL_FILTER_FAILED', `cannot run ${program}: ${err.message}`, {
              cause: err,
            }),
      ),
    );
    child.on('close', (code, sig) => {
      if (code === 0) resolve(Buffer.concat(out).toString('latin1'));
      else reject(new MurmurError('MURMUR_P2PTBL_FILTER_FAILED', `${program} exited with ${code ?? sig}`));
    });
    child.stdin.end(Buffer.from(input, 'latin1'));
  });
}
