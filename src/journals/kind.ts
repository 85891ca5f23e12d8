import { defineKind } from '../service/kind.ts';
import { registerJournal } from './cli.ts';
import type { JournalsService } from './service.ts';
import { type JournalSnapshotConfig, journalSnapshotConfig, journalsOptionsFromEnv } from './settings.ts';

/** What `murmur start` settles for the journals service. */
export interface JournalsKindConfig {
  /** Automatic snapshots of own journals. */
  snapshots: JournalSnapshotConfig;
  /** Writer key file (default <data>/journal-key). */
  keyFile: string | undefined;
}

/** Journals as a data kind: signed, hash-chained append-only streams with catch-up and live follow. */
export const journalsKind = defineKind<JournalsService, JournalsKindConfig>({
  name: 'journals',
  title: 'Journals',
  summary: 'append-only, signed, hash-chained event streams with snapshots and compaction',
  settings: [
    {
      key: 'journalKey',
      flag: '--journal-key <file>',
      env: 'MURMUR_JOURNAL_KEY',
      help: 'journal writer key file (default <data>/journal-key, env MURMUR_JOURNAL_KEY)',
      accepts: ['string'],
      inFile: false,
    },
    {
      key: 'journalSnapshotEvents',
      flag: '--journal-snapshot-events <n>',
      env: 'MURMUR_JOURNAL_SNAPSHOT_EVENTS',
      help: 'snapshot own journals every N events with the built-in {e,p} fold (0 = off; env MURMUR_JOURNAL_SNAPSHOT_EVENTS)',
      accepts: ['string', 'number'],
    },
    {
      key: 'journalSnapshotEvery',
      flag: '--journal-snapshot-every <duration>',
      env: 'MURMUR_JOURNAL_SNAPSHOT_EVERY',
      help: 'snapshot own journals with new events every DURATION: ms, or 30s, 10m, 1h (0 = off; env MURMUR_JOURNAL_SNAPSHOT_EVERY)',
      accepts: ['string', 'number'],
    },
    {
      key: 'journalCompact',
      flag: '--no-journal-compact',
      env: 'MURMUR_JOURNAL_COMPACT',
      help: 'keep the events covered by an automatic snapshot (env MURMUR_JOURNAL_COMPACT=false)',
      accepts: ['boolean'],
    },
  ],
  configure: (raw) => ({
    snapshots: journalSnapshotConfig({
      events: raw.journalSnapshotEvents as string | number | undefined,
      every: raw.journalSnapshotEvery as string | number | undefined,
      compact: raw.journalCompact as string | boolean | undefined,
    }),
    keyFile: typeof raw.journalKey === 'string' ? raw.journalKey : undefined,
  }),
  create: async ({ dataDir, config, env, logger }) => {
    const { jsonFoldPolicy } = await import('./fold.ts');
    const { JournalsService } = await import('./service.ts');
    const autoSnapshot = jsonFoldPolicy(config.snapshots);
    if (autoSnapshot) {
      logger.info(
        {
          everyEvents: autoSnapshot.everyEvents,
          everyMs: autoSnapshot.everyMs,
          compact: autoSnapshot.compact,
        },
        'automatic journal snapshots on (built-in {e,p} fold)',
      );
    }
    return new JournalsService({
      dataDir,
      ...journalsOptionsFromEnv(env),
      ...(config.keyFile === undefined ? {} : { keyFile: config.keyFile }),
      ...(autoSnapshot ? { autoSnapshot } : {}),
    });
  },
  commands: registerJournal,
  hints: [{ command: 'journal create <name>', what: 'an append-only journal (append / read / follow)' }],
});
