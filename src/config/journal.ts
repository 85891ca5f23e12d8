import { MurmurError } from '../errors/index.ts';

/** Automatic journal snapshots of the daemon (built-in `{e, p}` fold; see docs/JOURNALS.md). */
export interface JournalSnapshotConfig {
  /** Snapshot an own journal after this many events since its last snapshot (undefined: off). */
  everyEvents: number | undefined;
  /** Snapshot an own journal when this many ms passed since its last snapshot and it has new events. */
  everyMs: number | undefined;
  /** Delete events up to the snapshot once it is stored (default true). */
  compact: boolean;
}

const invalid = (message: string): MurmurError => new MurmurError('MURMUR_CONFIG_INVALID', message);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in ms: a number of ms (`1500`, `"1500"`) or `<integer><unit>` with unit ms, s, m or h
 * (`"30s"`, `"10m"`, `"1h"`). 0 turns the rule off (undefined). Anything else (negative, fractional,
 * non-numeric, unknown unit) throws MURMUR_CONFIG_INVALID naming `what`.
 */
export function parseDurationSetting(value: string | number, what: string): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else {
    const m = /^\s*(\d{1,15})\s*(ms|s|m|h)?\s*$/.exec(value);
    if (!m) {
      throw invalid(
        `${what}: bad duration "${value}" (use ms, or a whole number with s, m or h: 30s, 10m, 1h)`,
      );
    }
    ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  }
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw invalid(`${what}: bad duration ${JSON.stringify(value)} (a whole number of ms ≥ 0)`);
  }
  return ms === 0 ? undefined : ms;
}

/** An event count: a whole number ≥ 0 (number or decimal string); 0 turns the rule off (undefined). */
export function parseCountSetting(value: string | number, what: string): number | undefined {
  const n = typeof value === 'number' ? value : /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid(`${what}: bad event count ${JSON.stringify(value)} (a whole number ≥ 0; 0 = off)`);
  }
  return n === 0 ? undefined : n;
}

/** A boolean: true / false, or the strings true, false, 1, 0, yes, no, on, off (any case). */
export function parseBoolSetting(value: string | boolean, what: string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw invalid(`${what}: bad boolean "${value}" (use true or false)`);
}

/** Validates the raw journal snapshot settings picked by loadConfig (flag > env > config.json). */
export function journalSnapshotConfig(raw: {
  events: string | number | undefined;
  every: string | number | undefined;
  compact: string | boolean | undefined;
}): JournalSnapshotConfig {
  return {
    everyEvents:
      raw.events === undefined
        ? undefined
        : parseCountSetting(
            raw.events,
            'journal snapshot events (--journal-snapshot-events, MURMUR_JOURNAL_SNAPSHOT_EVENTS, "journalSnapshotEvents")',
          ),
    everyMs:
      raw.every === undefined
        ? undefined
        : parseDurationSetting(
            raw.every,
            'journal snapshot interval (--journal-snapshot-every, MURMUR_JOURNAL_SNAPSHOT_EVERY, "journalSnapshotEvery")',
          ),
    compact:
      raw.compact === undefined
        ? true
        : parseBoolSetting(
            raw.compact,
            'journal compaction (--no-journal-compact, MURMUR_JOURNAL_COMPACT, "journalCompact")',
          ),
  };
}
