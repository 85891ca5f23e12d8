/**
 * Rumor mongering on top of the anti-entropy gossip (Demers et al. 1987): a row that changed locally
 * recently is "hot" for its next K sends, and `gossip` puts hot rows first in the datagram. The state
 * lives in a sidecar file `T.hot` next to the table:
 *
 *   p2ptbl-hot 1 \n                 header (format version)
 *   key \t sends-left \n …          one line per hot key, sends-left a decimal in [1, MAX_HOT_SENDS]
 *
 * It is advisory: a missing, unreadable or corrupt sidecar means "nothing hot" (a malformed line is
 * skipped, a wrong header or an oversized file drops everything), and the table file never depends
 * on it. It is written atomically (temp file + rename) under the table's exclusive lock.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HOT_HEADER, MAX_HOT_FILE_BYTES, MAX_HOT_SENDS } from './constants.ts';
import { isValidKey, type Row } from './rows.ts';

/** Hot keys and the sends each has left (> 0). */
export type HotState = Map<string, number>;

/** The sidecar path of a table. */
export function hotPath(tablePath: string): string {
  return `${tablePath}.hot`;
}

/** Parses a sidecar (binary string); anything it cannot make sense of is left out, never thrown. */
export function parseHot(text: string): HotState {
  const state: HotState = new Map();
  if (!text.startsWith(`${HOT_HEADER}\n`)) return state;
  const lines = text.slice(HOT_HEADER.length + 1).split('\n');
  for (const line of lines) {
    const tab = line.lastIndexOf('\t');
    if (tab <= 0) continue;
    const key = line.slice(0, tab);
    const n = line.slice(tab + 1);
    if (!/^[1-9]\d{0,5}$/.test(n) || !isValidKey(key)) continue;
    state.set(key, Math.min(Number(n), MAX_HOT_SENDS));
  }
  return state;
}

/** The sidecar text of `state`, keys sorted (entries with no sends left are dropped). */
export function formatHot(state: HotState): string {
  let text = `${HOT_HEADER}\n`;
  const keys = [...state.keys()].sort();
  for (const k of keys) {
    const n = state.get(k) ?? 0;
    if (n > 0) text += `${k}\t${Math.min(n, MAX_HOT_SENDS)}\n`;
  }
  return text;
}

/** Reads a table's sidecar; missing, unreadable, oversized or corrupt → empty state. */
export async function readHot(tablePath: string): Promise<HotState> {
  try {
    const fh = await open(hotPath(tablePath), 'r');
    try {
      const { size } = await fh.stat();
      if (size > MAX_HOT_FILE_BYTES) return new Map();
      return parseHot((await fh.readFile()).toString('latin1'));
    } finally {
      await fh.close();
    }
  } catch {
    return new Map();
  }
}

/**
 * Replaces the sidecar atomically (call only under the table lock). The temp file is named like the
 * table's own temps (`T.tmp.hot.…`) so the stale-temp sweep of a later writer removes it after a
 * crash. An empty state removes the sidecar. Failures are swallowed: the sidecar is advisory.
 */
export async function writeHot(tablePath: string, state: HotState): Promise<boolean> {
  const path = hotPath(tablePath);
  if ([...state.values()].every((n) => n <= 0)) {
    await unlink(path).catch(() => {});
    return true;
  }
  const tmp = join(
    dirname(tablePath),
    `${basename(tablePath)}.tmp.hot.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(Buffer.from(formatHot(state), 'latin1'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return true;
  } catch {
    await unlink(tmp).catch(() => {});
    return false;
  }
}

/**
 * Keys whose row differs between two canonical (sorted by key) row lists: new keys and keys whose
 * version or value changed. Keys that disappeared are not reported (rows never disappear in p2ptbl).
 */
export function changedKeys(before: readonly Row[], after: readonly Row[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const row of after) {
    while (i < before.length && (before[i] as Row).key < row.key) i++;
    const old = before[i];
    if (old === undefined || old.key !== row.key || old.version !== row.version || old.value !== row.value)
      out.push(row.key);
  }
  return out;
}

/** Marks `keys` hot for `sends` sends (a key already hotter keeps its count). */
export function markHot(state: HotState, keys: Iterable<string>, sends: number): void {
  if (sends <= 0) return;
  const n = Math.min(sends, MAX_HOT_SENDS);
  for (const k of keys) if ((state.get(k) ?? 0) < n) state.set(k, n);
}

export interface HotSplit {
  /** Hot rows of the table: most sends left first, shuffled among equal counts. */
  hot: Row[];
  /** The other rows, in table order. */
  rest: Row[];
}

/**
 * Splits the table into its hot rows (ordered for sending: fewest sends so far = most left first,
 * random among ties) and the rest. Hot keys no longer in the table are ignored.
 */
export function splitHot(
  rows: readonly Row[],
  state: HotState,
  rand: (n: number) => number = (n) => randomInt(n),
): HotSplit {
  const hot: Row[] = [];
  const rest: Row[] = [];
  if (state.size === 0) return { hot, rest: rows.slice() };
  for (const r of rows) (state.has(r.key) ? hot : rest).push(r);
  for (let i = hot.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    const t = hot[i] as Row;
    hot[i] = hot[j] as Row;
    hot[j] = t;
  }
  // Stable sort keeps the shuffle within each count.
  hot.sort((a, b) => (state.get(b.key) ?? 0) - (state.get(a.key) ?? 0));
  return { hot, rest };
}

/** Counts one send for each of `sent` that is hot, and drops `dropped` (rows that can never fit). */
export function coolSent(state: HotState, sent: readonly Row[], dropped: readonly Row[] = []): boolean {
  let changed = false;
  for (const r of sent) {
    const n = state.get(r.key);
    if (n === undefined) continue;
    if (n <= 1) state.delete(r.key);
    else state.set(r.key, n - 1);
    changed = true;
  }
  for (const r of dropped) changed = state.delete(r.key) || changed;
  return changed;
}
