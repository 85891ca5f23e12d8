/**
 * Gossip payloads: a gzip of shuffled rows (the table file format), the largest random prefix that
 * fits the budget, sent over HBBP with key `p2ptbl/<table basename>`. Decoding is bounded: the
 * compressed input and the inflated output both have hard caps checked before any row is parsed.
 */
import { randomInt } from 'node:crypto';
import { basename } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MurmurError } from '../errors/index.ts';
import {
  GOSSIP_KEY_PREFIX,
  GZIP_LEVEL,
  HBBP_MAX_DATAGRAM,
  MAX_RECV_COMPRESSED_BYTES,
  MAX_RECV_DECOMPRESSED_BYTES,
  MAX_RECV_ROWS,
  MAX_ROW_BYTES,
} from './constants.ts';
import { formatRow, type ParseResult, parseTable, type Row, rowBytes } from './rows.ts';

/** The HBBP key a table gossips under. */
export function gossipKey(tablePath: string): string {
  return `${GOSSIP_KEY_PREFIX}${basename(tablePath)}`;
}

/**
 * The payload budget: `size`, but never more than fits one HBBP datagram next to `key` and its NUL
 * (less `overhead`, e.g. the HBBP encryption envelope).
 */
export function payloadBudget(size: number, key: string, overhead = 0): number {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `gossip size must be a positive integer, got ${size}`);
  }
  return Math.min(size, HBBP_MAX_DATAGRAM - Buffer.byteLength(key) - 1 - overhead);
}

export function gzipRows(rows: readonly Row[]): Buffer {
  let text = '';
  for (const row of rows) text += formatRow(row);
  return gzipSync(Buffer.from(text, 'latin1'), { level: GZIP_LEVEL });
}

export interface GossipSelection {
  /** The gzip payload, at most `budget` bytes. */
  readonly payload: Buffer;
  /** The rows it carries. */
  readonly rows: readonly Row[];
  /** Rows passed over because even alone they do not fit the budget. */
  readonly oversized: number;
  /** Those rows. */
  readonly oversizedRows: readonly Row[];
}

export interface SelectOptions {
  /** Uniform integer in [0, n); default crypto.randomInt. */
  randomInt?: (n: number) => number;
  /**
   * Rows to send before the shuffled ones, in this order (hot rows, ./hot.ts); they must not also be
   * in `rows`. Default none: the original uniform selection.
   */
  first?: readonly Row[];
}

/**
 * Puts `opts.first` in front of a shuffle of `rows` and returns the largest prefix whose gzip fits in
 * `budget` bytes (exponential then binary search on the row count). Rows that cannot fit even alone
 * are skipped. `undefined` for an empty table; MURMUR_P2PTBL_NO_ROW_FITS when no single row fits.
 */
export function selectGossip(
  rows: readonly Row[],
  budget: number,
  opts: SelectOptions = {},
): GossipSelection | undefined {
  const first = opts.first ?? [];
  const total = first.length + rows.length;
  if (total === 0) return undefined;
  const rand = opts.randomInt ?? ((n: number) => randomInt(n));
  const pool = first.length === 0 ? rows.slice() : [...first, ...rows];
  let fixed = first.length; // pool[0, fixed) keeps its order
  let shuffled = fixed; // pool[fixed, shuffled) is a uniform random sample of the rest, in random order
  const take = (n: number): Row[] => {
    while (shuffled < n) {
      const j = shuffled + rand(pool.length - shuffled);
      const t = pool[shuffled] as Row;
      pool[shuffled] = pool[j] as Row;
      pool[j] = t;
      shuffled++;
    }
    return pool.slice(0, n);
  };
  const fits = (n: number): Buffer | undefined => {
    const z = gzipRows(take(n));
    return z.length <= budget ? z : undefined;
  };
  const oversizedRows: Row[] = [];
  let best = fits(1);
  while (best === undefined) {
    // The first row does not fit alone: drop it and try the next one.
    oversizedRows.push(pool.splice(0, 1)[0] as Row);
    if (fixed > 0) fixed--;
    shuffled = Math.max(fixed, shuffled - 1);
    if (pool.length === 0) {
      throw new MurmurError('MURMUR_P2PTBL_NO_ROW_FITS', `no row of the table fits in ${budget} gzip bytes`, {
        details: { budget, rows: total },
      });
    }
    best = fits(1);
  }
  let lo = 1; // fits
  let hi = 2; // candidate
  while (hi <= pool.length) {
    const z = fits(hi);
    if (z === undefined) break;
    best = z;
    lo = hi;
    hi *= 2;
  }
  hi = Math.min(hi, pool.length + 1); // first count known (or assumed) not to fit
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const z = fits(mid);
    if (z === undefined) hi = mid;
    else {
      best = z;
      lo = mid;
    }
  }
  // `best` is always the gzip of the prefix of `lo` rows: it is updated exactly when `lo` is.
  return { payload: best, rows: take(lo), oversized: oversizedRows.length, oversizedRows };
}

export interface DecodeOptions {
  maxCompressedBytes?: number;
  maxDecompressedBytes?: number;
  /** Largest row kept (default MAX_ROW_BYTES). */
  maxRowBytes?: number;
  /** Rows kept per payload at most (default MAX_RECV_ROWS). */
  maxRows?: number;
}

/** The rows of one gossip payload, with what was left out. */
export interface GossipRows extends ParseResult {
  /** Rows over the row size cap, skipped. */
  readonly oversized: number;
  /** Rows past the per-payload row cap, dropped. */
  readonly dropped: number;
}

/**
 * Inflates and parses a gossip payload. Throws MURMUR_P2PTBL_TOO_LARGE (input or inflated output over
 * its cap: gzip bombs) or MURMUR_P2PTBL_BAD_GZIP; malformed rows are skipped and counted.
 */
export function decodeGossip(payload: Uint8Array, opts: DecodeOptions = {}): GossipRows {
  const maxIn = opts.maxCompressedBytes ?? MAX_RECV_COMPRESSED_BYTES;
  const maxOut = opts.maxDecompressedBytes ?? MAX_RECV_DECOMPRESSED_BYTES;
  if (payload.length > maxIn) {
    throw new MurmurError('MURMUR_P2PTBL_TOO_LARGE', `payload of ${payload.length} bytes exceeds ${maxIn}`, {
      details: { size: payload.length, max: maxIn },
    });
  }
  if (payload.length === 0) return { rows: [], skipped: 0, oversized: 0, dropped: 0 };
  let text: Buffer;
  try {
    text = gunzipSync(payload, { maxOutputLength: maxOut });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new MurmurError('MURMUR_P2PTBL_TOO_LARGE', `payload inflates to more than ${maxOut} bytes`, {
        details: { max: maxOut },
      });
    }
    throw new MurmurError('MURMUR_P2PTBL_BAD_GZIP', `payload is not valid gzip: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = parseTable(text.toString('latin1'));
  const maxRow = opts.maxRowBytes ?? MAX_ROW_BYTES;
  const maxRows = opts.maxRows ?? MAX_RECV_ROWS;
  const rows: Row[] = [];
  let oversized = 0;
  let dropped = 0;
  for (const row of parsed.rows) {
    if (rowBytes(row) > maxRow) oversized++;
    else if (rows.length >= maxRows) dropped++;
    else rows.push(row);
  }
  return { rows, skipped: parsed.skipped, oversized, dropped };
}
