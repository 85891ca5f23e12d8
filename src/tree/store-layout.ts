/**
 * The tree store's database layout: `tree!<root hex>` (held trees, empty values) and
 * `t!<root hex>!<e|g|r>!<id hex>` (records, protobuf bytes), and loading one tree's records back.
 */
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Level } from '../store/index.ts';
import {
  decodeEntry,
  decodeGrant,
  decodeRevocation,
  encodeEntry,
  encodeGrant,
  encodeRevocation,
} from './codec.ts';
import { toHex } from './keys.ts';
import type { PendingPool } from './pending.ts';
import type { TreeState } from './state.ts';
import { recordId, type TreeRecord } from './state-types.ts';

/** Record kind → its tag in record keys. */
const KIND_TAG = { entry: 'e', grant: 'g', revocation: 'r' } as const;
const SEP = '!';

/** Key range of the held-tree keys; a key's root hex starts at TREE_KEY_PREFIX.length. */
export const TREE_KEY_PREFIX = `tree${SEP}`;
export const TREES_RANGE = { gte: TREE_KEY_PREFIX, lt: `${TREE_KEY_PREFIX}~` } as const;

export function treeKey(rootHex: string): string {
  return `${TREE_KEY_PREFIX}${rootHex}`;
}

export function recKey(rootHex: string, kind: TreeRecord['kind'], idHex: string): string {
  return `t${SEP}${rootHex}${SEP}${KIND_TAG[kind]}${SEP}${idHex}`;
}

/** The stored bytes of a record. */
export function recordValue(rec: TreeRecord): Uint8Array {
  return rec.kind === 'entry'
    ? encodeEntry(rec.record)
    : rec.kind === 'grant'
      ? encodeGrant(rec.record)
      : encodeRevocation(rec.record);
}

/**
 * Reads a tree's records into `t` (a fresh state on an unbounded pool: child grants stream in
 * before their parents), then moves the leftovers — stored by an older version without authority —
 * off the disk into `pool`. Unreadable records are skipped and counted (`counters.corrupt`).
 */
export async function loadTree(
  db: Level,
  rootHex: string,
  t: TreeState,
  pool: PendingPool,
  o: {
    counters: { corrupt: number; unadmittedAtLoad: number };
    log: Logger;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  const read = async <T>(tag: string, decode: (b: Uint8Array) => T, apply: (x: T) => void) => {
    const prefix = `t${SEP}${rootHex}${SEP}${tag}${SEP}`;
    for await (const [, value] of db.iterator({
      gte: prefix,
      lt: `${prefix}~`,
      keyEncoding: 'utf8',
      valueEncoding: 'view',
    })) {
      throwIfAborted(o.signal);
      try {
        apply(decode(value as Uint8Array));
      } catch (err) {
        if (!(err instanceof MurmurError)) throw err;
        o.counters.corrupt++;
        o.log.warn({ tree: rootHex, code: err.code }, 'skipping unreadable tree record');
      }
    }
  };
  // Records on disk were verified when stored: signatures are not checked again. Entries are
  // applied as they stream in (the retention rule does not depend on the order).
  await read('g', decodeGrant, (g) => t.addGrant(g, false));
  await read('r', decodeRevocation, (r) => t.addRevocation(r, false));
  const leftovers = t.usePool(pool);
  if (leftovers.length > 0) {
    o.counters.unadmittedAtLoad += leftovers.length;
    o.log.warn({ tree: rootHex, records: leftovers.length }, 'unauthorised tree records moved off disk');
    await db.batch(
      leftovers.map((rec) => ({
        type: 'del' as const,
        key: recKey(rootHex, rec.kind, toHex(recordId(rec))),
      })),
      { keyEncoding: 'utf8' },
    );
  }
  await read('e', decodeEntry, (e) => t.addEntry(e, false));
}
