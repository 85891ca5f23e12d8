import { MurmurError } from '../errors/index.ts';
import { parseBoolSetting, parseCountSetting, parseDurationSetting } from '../service/settings.ts';
import { isJournalId, type JournalId } from './id.ts';
import type { JournalsServiceOptions } from './service.ts';

/**
 * Service settings from the environment (used by `murmur start`):
 * MURMUR_JOURNAL_KEY (key file), MURMUR_JOURNALS_FOLLOW (`all` | `on-demand` | comma-separated ids),
 * MURMUR_JOURNALS_CATALOGUE_MS, MURMUR_JOURNALS_STALL_MS, MURMUR_JOURNALS_BACKOFF_MS (tests shorten them).
 */
export function journalsOptionsFromEnv(env: Record<string, string | undefined>): JournalsServiceOptions {
  const out: JournalsServiceOptions = {};
  const key = env.MURMUR_JOURNAL_KEY?.trim();
  if (key) out.keyFile = key;
  const follow = env.MURMUR_JOURNALS_FOLLOW?.trim();
  if (follow === 'all') out.follow = { mode: 'all' };
  else if (follow === 'on-demand') out.follow = { mode: 'on-demand' };
  else if (follow) {
    const journals = follow
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '') as JournalId[];
    for (const j of journals) {
      if (!isJournalId(j))
        throw new MurmurError('MURMUR_JOURNAL_BAD_ID', `MURMUR_JOURNALS_FOLLOW: bad id ${j}`);
    }
    out.follow = { mode: 'list', journals };
  }
  const ms = (name: string): number | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${name} must be ms > 0`);
    return n;
  };
  const c = ms('MURMUR_JOURNALS_CATALOGUE_MS');
  if (c !== undefined) out.catalogueIntervalMs = c;
  const s = ms('MURMUR_JOURNALS_STALL_MS');
  if (s !== undefined) out.stallTimeoutMs = s;
  const b = ms('MURMUR_JOURNALS_BACKOFF_MS');
  if (b !== undefined) out.backoffMs = b;
  return out;
}

/** Automatic journal snapshots of the daemon (built-in `{e, p}` fold; see docs/JOURNALS.md). */
export interface JournalSnapshotConfig {
  /** Snapshot an own journal after this many events since its last snapshot (undefined: off). */
  everyEvents: number | undefined;
  /** Snapshot an own journal when this many ms passed since its last snapshot and it has new events. */
  everyMs: number | undefined;
  /** Delete events up to the snapshot once it is stored (default true). */
  compact: boolean;
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
