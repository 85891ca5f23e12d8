/**
 * The table model and its file codec. A table is a list of rows sorted by key (byte order), one row
 * per key: `key \t version \t value` where the value may itself contain tabs, or `key \t version` for
 * a tombstone (a deleted key). All strings here are *binary strings*: one char per byte (latin1), so a
 * file round-trips byte for byte whatever its encoding, and `<` on strings is byte order. Convert text
 * with `textToBinary` / `binaryToText`.
 */
import { MurmurError } from '../errors/index.ts';
import { MAX_VERSION_DIGITS } from './constants.ts';

export interface Row {
  /** Non-empty, no tab, newline or NUL. */
  readonly key: string;
  /** Non-negative, arbitrary precision. */
  readonly version: bigint;
  /** The values, tab-joined (may be empty); `null` = tombstone. No newline or NUL. */
  readonly value: string | null;
}

export interface ParseResult {
  /** Sorted by key, unique (duplicates joined with `pickRow`). */
  readonly rows: Row[];
  /** Lines that were not a valid row and were skipped (empty lines are not counted). */
  readonly skipped: number;
}

const VERSION_RE = /^[0-9]+$/;

/** UTF-8 text to a binary string (one char per byte). */
export function textToBinary(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A binary string back to UTF-8 text. */
export function binaryToText(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}

export function isValidKey(key: string): boolean {
  return key.length > 0 && !/[\t\n\0]/.test(key);
}

export function isValidValue(value: string | null): boolean {
  return value === null || !/[\n\0]/.test(value);
}

export function assertKey(key: string): void {
  if (!isValidKey(key)) {
    throw new MurmurError('MURMUR_P2PTBL_BAD_KEY', `invalid key ${JSON.stringify(key)}`, {
      details: { key },
    });
  }
}

export function assertValue(value: string | null): void {
  if (!isValidValue(value)) {
    throw new MurmurError('MURMUR_P2PTBL_BAD_VALUE', 'a value must not contain a newline or NUL byte');
  }
}

/** Parses one line (without its newline); `undefined` if it is not a valid row. */
export function parseLine(line: string): Row | undefined {
  const t1 = line.indexOf('\t');
  if (t1 <= 0) return undefined;
  const key = line.slice(0, t1);
  const t2 = line.indexOf('\t', t1 + 1);
  const versionText = t2 < 0 ? line.slice(t1 + 1) : line.slice(t1 + 1, t2);
  if (versionText.length > MAX_VERSION_DIGITS || !VERSION_RE.test(versionText)) return undefined;
  const value = t2 < 0 ? null : line.slice(t2 + 1);
  if (!isValidKey(key) || !isValidValue(value)) return undefined;
  return { key, version: BigInt(versionText), value };
}

/** Parses table text (a binary string). Never throws: malformed lines are skipped and counted. */
export function parseTable(text: string): ParseResult {
  const rows: Row[] = [];
  let skipped = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const row = parseLine(text.slice(start, end));
      if (row === undefined) skipped++;
      else rows.push(row);
    }
    start = end + 1;
  }
  return { rows: normalizeRows(rows), skipped };
}

/** One row as a file line, newline included. */
export function formatRow(row: Row): string {
  return row.value === null ? `${row.key}\t${row.version}\n` : `${row.key}\t${row.version}\t${row.value}\n`;
}

/** Size of a row as a file line, in bytes (rows are binary strings: one byte per character). */
export function rowBytes(row: Row): number {
  const version = String(row.version).length;
  return row.key.length + version + (row.value === null ? 2 : row.value.length + 3);
}

/** Size of the file `formatTable(rows)` writes, in bytes. */
export function tableBytes(rows: readonly Row[]): number {
  let n = 0;
  for (const row of rows) n += rowBytes(row);
  return n;
}

/** The canonical file text of sorted unique rows: equal contents give byte-identical files. */
export function formatTable(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) out += formatRow(row);
  return out;
}

/**
 * The total order of two variants of one key: larger version first; on a tie a tombstone beats a
 * value, and between two values the larger byte string wins. Returns > 0 if `a` wins.
 */
export function compareVariants(a: Row, b: Row): number {
  if (a.version !== b.version) return a.version > b.version ? 1 : -1;
  if (a.value === b.value) return 0;
  if (a.value === null) return 1;
  if (b.value === null) return -1;
  return a.value > b.value ? 1 : -1;
}

/** The winning variant of one key (the join of the per-key lattice). */
export function pickRow(a: Row, b: Row): Row {
  return compareVariants(a, b) >= 0 ? a : b;
}

function compareKeys(a: Row, b: Row): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Sorts by key (byte order) and joins duplicate keys; returns the input itself when already canonical. */
export function normalizeRows(rows: Row[]): Row[] {
  let canonical = true;
  for (let i = 1; i < rows.length; i++) {
    if (!((rows[i - 1] as Row).key < (rows[i] as Row).key)) {
      canonical = false;
      break;
    }
  }
  if (canonical) return rows;
  const sorted = [...rows].sort(compareKeys);
  const out: Row[] = [];
  for (const row of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.key === row.key) out[out.length - 1] = pickRow(last, row);
    else out.push(row);
  }
  return out;
}

/**
 * Merges two canonical tables (sorted, unique): per key the winning variant. A join: commutative,
 * associative and idempotent, so nodes that saw the same rows in any order hold the same table.
 */
export function mergeRows(a: readonly Row[], b: readonly Row[]): Row[] {
  const out: Row[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Row;
    const y = b[j] as Row;
    if (x.key < y.key) {
      out.push(x);
      i++;
    } else if (x.key > y.key) {
      out.push(y);
      j++;
    } else {
      out.push(pickRow(x, y));
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++] as Row);
  while (j < b.length) out.push(b[j++] as Row);
  return out;
}

/** Binary search for a key in canonical rows. */
export function findRow(rows: readonly Row[], key: string): Row | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const row = rows[mid] as Row;
    if (row.key === key) return row;
    if (row.key < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Replaces or inserts one row in canonical rows (returns a new array). */
export function putRow(rows: readonly Row[], row: Row): Row[] {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as Row).key < row.key) lo = mid + 1;
    else hi = mid;
  }
  const out = rows.slice();
  if (lo < out.length && (out[lo] as Row).key === row.key) out[lo] = row;
  else out.splice(lo, 0, row);
  return out;
}
