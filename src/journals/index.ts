/**
 * Journals: signed, hash-chained append-only event streams with snapshots, compaction and sync.
 * @module murmur/journals
 */
export {
  type JournalCallOptions,
  type JournalFollowOptions,
  type JournalPayload,
  type JournalReadOptions,
  type JournalSnapshotOptions,
  JournalsApi,
} from './api.ts';
export {
  CATALOGUE_LEGACY_PROTOCOLS,
  CATALOGUE_PROTOCOL,
  CATALOGUE_PROTOCOLS,
  JOURNALS_LEGACY_PROTOCOLS,
  JOURNALS_PROTOCOL,
  JOURNALS_PROTOCOLS,
  KEY_FILE_NAME,
  STREAM_NAME,
} from './constants.ts';
export type { EventRecord, JournalEvent, Snapshot } from './event.ts';
export { eventHash } from './event.ts';
export {
  decodeFoldState,
  emptyFoldState,
  encodeFoldState,
  type FoldState,
  foldPayloads,
  jsonFoldPolicy,
  jsonFoldState,
} from './fold.ts';
export { formatJournalId, genesisHash, isJournalId, type JournalId, parseJournalId } from './id.ts';
export {
  Journals,
  type JournalsOptions,
  type JsonEvent,
  jsonPayload,
  parseJsonPayload,
} from './journals.ts';
export { journalKeyPath, loadOrCreateJournalKey, parseKeyFile } from './key-file.ts';
export { generateWriter, type Writer, writerFromSeed } from './keys.ts';
export type { JournalInfo } from './meta.ts';
export type { SnapshotPolicy } from './policy.ts';
export { registerJournalRoutes } from './routes.ts';
export { JournalsService, type JournalsServiceOptions } from './service.ts';
export { journalsOptionsFromEnv } from './settings.ts';
export { JournalStore } from './store.ts';
export { type CatalogueEntry, requestCatalogue, serveCatalogue } from './sync/catalogue.ts';
export { JournalConsumer, JournalProvider } from './sync/provider.ts';
export { type FollowPolicy, JournalSync, type JournalSyncOptions, type PeerHandle } from './sync/sync.ts';
export type { FirehoseItem, TailItem, TailOptions } from './tail.ts';
export { type EventView, eventView, type JournalView, type SnapshotView, snapshotView } from './views.ts';
