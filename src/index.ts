/**
 * murmur's public library entry: the node, the data-kind services with their options and the records
 * users meet, the service contract, errors, and the p2ptbl and HBBP libraries. Importing it starts
 * nothing (no sockets, timers or files until a node or table is created). See docs/NODE.md.
 * @module murmur
 */

export {
  ChunksApi,
  type ChunksCallOptions,
  type ChunksGetOptions,
  type ChunksPutOptions,
  type FileSource,
  type StoredFile,
} from './chunks/api.ts';
export type { JoinOptions } from './chunks/file/joiner.ts';
export type { SplitResult } from './chunks/file/splitter.ts';
export { ChunksService, type ChunksServiceOptions } from './chunks/service.ts';
export type { ChunkStoreOptions, GcStats, PinInfo, PutResult } from './chunks/store.ts';
export { ERROR_CODES, type ErrorCode, isMurmurError, MurmurError, throwIfAborted } from './errors/index.ts';
export * as hbbp from './hbbp/index.ts';
export {
  type JournalCallOptions,
  type JournalFollowOptions,
  type JournalPayload,
  type JournalReadOptions,
  type JournalSnapshotOptions,
  JournalsApi,
} from './journals/api.ts';
export { formatJournalId, isJournalId, parseJournalId } from './journals/id.ts';
export type {
  EventView,
  JournalEvent,
  JournalId,
  JournalInfo,
  JournalView,
  JsonEvent,
  Snapshot,
  SnapshotView,
  TailItem,
  TailOptions,
} from './journals/index.ts';
export { JournalsService, type JournalsServiceOptions } from './journals/service.ts';
export type { Logger } from './log/index.ts';
export type { KindApi, KindApis } from './node/facades.ts';
export { createNode } from './node/index.ts';
export type {
  MurmurNode,
  NodeEvents,
  NodeOptions,
  NodeStatus,
  PeerInfo,
  PeerState,
  ServiceMap,
} from './node/types.ts';
export * as p2ptbl from './p2ptbl/index.ts';
export {
  type DataKind,
  defineKind,
  type NodeService,
  type ProtocolOptions,
  type ServiceContext,
  type ServiceEvents,
  type ServicePeer,
  waitOrAbort,
} from './service/index.ts';
export {
  type GrantInfo,
  type GrantRequest,
  TreeApi,
  type TreeCallOptions,
  type TreeSummary,
  type TreeWriteOptions,
} from './tree/api.ts';
export { generateKeyPair, type KeyPair, type Signer, signerFromKeyPair } from './tree/keys.ts';
export { TreeService, type TreeServiceOptions } from './tree/service.ts';
export type { KeyState } from './tree/subscriptions.ts';
export type { Tree, TreeOptions, WatchEvent } from './tree/tree.ts';
export type { Entry, Grant, Revocation } from './tree/types.ts';
