/**
 * p2ptbl: small last-writer-wins tables in tab-separated files, gossiped over HBBP. See docs/P2PTBL.md.
 * @module murmur/tables
 */
import './codes.ts';

export * from './constants.ts';
export {
  type DecodeOptions,
  decodeGossip,
  type GossipRows,
  type GossipSelection,
  gossipKey,
  gzipRows,
  payloadBudget,
  type SelectOptions,
  selectGossip,
} from './gossip.ts';
export {
  changedKeys,
  coolSent,
  formatHot,
  type HotSplit,
  type HotState,
  hotPath,
  markHot,
  parseHot,
  readHot,
  splitHot,
  writeHot,
} from './hot.ts';
export { type LockOptions, lockTable, type ReleaseLock } from './lock.ts';
export {
  binaryToText,
  compareVariants,
  findRow,
  formatRow,
  formatTable,
  isValidKey,
  isValidValue,
  mergeRows,
  normalizeRows,
  type ParseResult,
  parseLine,
  parseTable,
  pickRow,
  putRow,
  type Row,
  rowBytes,
  tableBytes,
  textToBinary,
} from './rows.ts';
export { readTableFile, writeTableFile } from './store.ts';
export {
  type FilterStats,
  type GossipOptions,
  type MergeStats,
  type OpOptions,
  Table,
  type TableOptions,
} from './table.ts';
export { nextVersion } from './version.ts';
