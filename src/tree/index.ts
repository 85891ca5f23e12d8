/**
 * The signed key/value tree: model, authorisation, store, reconciliation and client logic.
 * @module murmur/tree
 */
export {
  type GrantInfo,
  type GrantRequest,
  TreeApi,
  type TreeCallOptions,
  type TreeSummary,
  type TreeWriteOptions,
} from './api.ts';
export { chainProblem, entryProblem, type GrantView } from './authorize.ts';
export * from './codec.ts';
export * from './constants.ts';
export { Fingerprint } from './fingerprint.ts';
export { contains, isValidPattern, matches, parsePattern } from './glob.ts';
export { type Hlc, HlcClock, hlcLogical, hlcWall, packHlc } from './hlc.ts';
export { IdSet } from './idset.ts';
export * from './keys.ts';
export { ListFilter } from './list-filter.ts';
export { isValidPath, parsePath } from './path.ts';
export { Reconciler, type ReconcilerOptions, reconcileInMemory } from './reconcile.ts';
export * from './records.ts';
export { TreeService, type TreeServiceOptions } from './service.ts';
export {
  type ApplyResult,
  compareEntries,
  type KeyChange,
  recordId,
  type TreeRecord,
  TreeState,
} from './state.ts';
export { type IngestResult, type Refusal, TreeStore, type TreeStoreEvents } from './store.ts';
export { type KeyState, Subscription, Subscriptions } from './subscriptions.ts';
export { Tree, type TreeOptions, type WatchEvent } from './tree.ts';
export type { Entry, Grant, Revocation } from './types.ts';
