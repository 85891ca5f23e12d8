import type { AbstractSublevel } from 'abstract-level';
import type { Logger } from '../../log/index.ts';
import type { Level } from '../../store/index.ts';
import type { SegmentEnd, SegmentLog } from '../../store/segments.ts';
import type { Usage } from './codec.ts';

export type Sub<V> = AbstractSublevel<Level, unknown, string, V>;

/** What the collector (eviction, pins, compaction) uses of the chunk store's internals. */
export interface GcHost {
  readonly overlay: Uint8Array;
  /** Address index (`c!`): data, or the 12-byte segment location with segment files. */
  readonly chunks: Sub<Uint8Array>;
  /** Pull index (`p!<bin><bin ID>`). */
  readonly pull: Sub<Uint8Array>;
  readonly meta: Sub<string>;
  /** Pin counts per chunk (`n!<address hex>`). */
  readonly pins: Sub<Uint8Array>;
  /** Pinned roots (`r!<root hex>`). */
  readonly roots: Sub<Uint8Array>;
  /** Stored / pinned bytes and chunks, kept exact by every batch (mutated only inside exclusive). */
  readonly usage: Usage;
  /** The segment files, when chunk data live in them. */
  log(): SegmentLog | undefined;
  /** Runs `fn` alone among the store's index batches (group commits included), in order. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The committed segment end after a batch that also commits `end` (never goes back). */
  endAfter(end: SegmentEnd): SegmentEnd;
  /** Lowest segment a group commit appended to and has not committed yet (Infinity: none). */
  busyFrom(): number;
  /** Highest committed bin ID of a bin. */
  cursor(bin: number): bigint;
  /** Records the end a batch committed (after it succeeded). */
  setEnd(end: SegmentEnd): void;
}

type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

const text = new TextEncoder();

/** One atomic batch across the store's sublevels (prefixes written out, as the group commit does). */
export class Batch {
  readonly ops: Op[] = [];

  put(sub: Sub<Uint8Array> | Sub<string>, key: string, value: Uint8Array | string): this {
    this.ops.push({
      type: 'put',
      key: sub.prefix + key,
      value: typeof value === 'string' ? text.encode(value) : value,
    });
    return this;
  }

  del(sub: Sub<Uint8Array> | Sub<string>, key: string): this {
    this.ops.push({ type: 'del', key: sub.prefix + key });
    return this;
  }

  async write(any: Sub<Uint8Array>): Promise<void> {
    if (this.ops.length === 0) return;
    await any.db.batch(this.ops, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }
}

/** Segment end order: by segment, then offset. */
export function maxEnd(a: SegmentEnd | undefined, b: SegmentEnd): SegmentEnd {
  if (!a) return b;
  return a.segment > b.segment || (a.segment === b.segment && a.offset >= b.offset) ? a : b;
}

export const encodeEnd = (e: SegmentEnd): string => `${e.segment}:${e.offset}`;

/** Counters of the collector since the store was opened. */
export interface GcStats {
  evictedChunks: number;
  evictedBytes: number;
  /** Bytes of segment files deleted, minus what their live chunks took again when rewritten. */
  reclaimedBytes: number;
  /** Bytes of live chunks rewritten by compaction. */
  movedBytes: number;
  segmentsCompacted: number;
  /** Time spent in eviction passes and in compaction passes (ms). */
  evictMs: number;
  compactMs: number;
}

/** What the eviction, compaction and pin passes read and update of the collector that runs them. */
export interface PassState {
  readonly host: GcHost;
  readonly log: Logger;
  readonly stats: GcStats;
  /** Free bytes per sealed segment. */
  readonly segFree: Map<number, number>;
  /** Chunks (address hex) held against eviction, with their hold counts. */
  readonly held: Map<string, number>;
  /** Per bin, the bin ID passes start at. */
  readonly floor: bigint[];
  readonly stopped: boolean;
  readonly lowWater: number;
  /** After an unpin: chunks may be evictable again. */
  unpinned(): void;
  /** Holds chunks against eviction until the returned release is called. */
  hold(keys: Iterable<string>): () => void;
}
