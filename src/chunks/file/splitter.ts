import { throwIfAborted } from '../../errors/index.ts';
import { type Chunk, makeChunk } from '../chunk.ts';
import { ADDRESS_SIZE, BRANCHES, CHUNK_SIZE } from '../constants.ts';
import type { ChunkStore } from '../store.ts';

/** Receives the chunks of a file in batches (data chunks and intermediate chunks, leaves first). */
export type ChunkSink = (chunks: Chunk[]) => Promise<void>;

export interface SplitResult {
  root: Uint8Array;
  /** File length in bytes. */
  span: bigint;
  /** Chunks produced (data + intermediate). */
  chunks: number;
}

/** A sink writing into a chunk store (one atomic batch per call). */
export function storeSink(store: ChunkStore): ChunkSink {
  return async (chunks) => {
    await store.putMany(chunks, { verify: false });
  };
}

interface Ref {
  address: Uint8Array;
  span: bigint;
}

/**
 * Splits a byte stream into a chunk tree: data chunks of 4096 bytes, then intermediate chunks of up to
 * 128 child addresses each (span = bytes below), level by level, until one root. A lone last reference
 * of a level is carried up unchanged instead of being wrapped. The empty file is one empty data chunk.
 * Memory: one 4 KiB buffer, one pending batch and at most 128 references per level.
 */
export async function split(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sink: ChunkSink,
  options: { signal?: AbortSignal; batchSize?: number; onProgress?: (bytes: bigint) => void } = {},
): Promise<SplitResult> {
  const batchSize = options.batchSize ?? 64;
  const levels: Ref[][] = [];
  let batch: Chunk[] = [];
  let count = 0;
  let total = 0n;
  const buf = new Uint8Array(CHUNK_SIZE);
  let fill = 0;

  const emit = async (c: Chunk): Promise<void> => {
    batch.push(c);
    count++;
    if (batch.length >= batchSize) {
      const b = batch;
      batch = [];
      await sink(b);
    }
  };
  const wrap = async (refs: Ref[]): Promise<Ref> => {
    const payload = new Uint8Array(refs.length * ADDRESS_SIZE);
    let span = 0n;
    for (const [i, r] of refs.entries()) {
      payload.set(r.address, i * ADDRESS_SIZE);
      span += r.span;
    }
    const c = makeChunk(payload, span);
    await emit(c);
    return { address: c.address, span };
  };
  const addRef = async (level: number, ref: Ref): Promise<void> => {
    const refs = levels[level] ?? [];
    levels[level] = refs;
    refs.push(ref);
    if (refs.length === BRANCHES) {
      levels[level] = [];
      await addRef(level + 1, await wrap(refs));
    }
  };
  const flushData = async (): Promise<void> => {
    const c = makeChunk(buf.slice(0, fill));
    await emit(c);
    await addRef(0, { address: c.address, span: BigInt(fill) });
    total += BigInt(fill);
    fill = 0;
    options.onProgress?.(total);
  };

  for await (const piece of source) {
    throwIfAborted(options.signal);
    let off = 0;
    while (off < piece.length) {
      const n = Math.min(CHUNK_SIZE - fill, piece.length - off);
      buf.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === CHUNK_SIZE) await flushData();
    }
  }
  if (fill > 0 || count === 0) await flushData();

  let root: Ref | undefined;
  for (let level = 0; level < levels.length; level++) {
    const refs = levels[level] ?? [];
    const higher = levels.slice(level + 1).some((l) => l.length > 0);
    if (refs.length === 0) continue;
    if (refs.length === 1 && !higher) {
      root = refs[0];
      break;
    }
    levels[level] = [];
    const up = refs.length === 1 ? (refs[0] as Ref) : await wrap(refs);
    const next = levels[level + 1] ?? [];
    levels[level + 1] = next;
    next.push(up);
  }
  if (batch.length > 0) await sink(batch);
  if (!root) throw new Error('unreachable: split produced no root');
  return { root: root.address, span: total, chunks: count };
}
