import { MurmurError, throwIfAborted } from '../../errors/index.ts';
import { hex, isValidChunk, payloadOf, spanOf } from '../chunk.ts';
import { badFile, childrenOf, isIntermediate } from './layout.ts';

/** Fetches a chunk's data (span || payload) by address; undefined if it cannot be found. */
export type ChunkGetter = (
  address: Uint8Array,
  options: { signal?: AbortSignal },
) => Promise<Uint8Array | undefined>;

export interface JoinOptions {
  signal?: AbortSignal;
  /** Data chunks fetched ahead of the reader (default 16). Memory stays at about concurrency × 4 KiB. */
  concurrency?: number;
}

async function fetchVerified(
  get: ChunkGetter,
  address: Uint8Array,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const data = await get(address, signal ? { signal } : {});
  if (data === undefined) {
    throw new MurmurError('MURMUR_CHUNKS_NOT_FOUND', 'chunk not found', {
      details: { address: hex(address) },
    });
  }
  if (!isValidChunk(address, data)) {
    throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', 'chunk data does not hash to its address', {
      details: { address: hex(address) },
    });
  }
  return data;
}

interface Leaf {
  address: Uint8Array;
  span: bigint;
}

/**
 * The data chunk addresses of a file, in order, depth first; holds one intermediate chunk per level.
 * Checks every intermediate chunk's child count and spans.
 */
async function* leaves(
  get: ChunkGetter,
  root: Uint8Array,
  expected: bigint | undefined,
  signal?: AbortSignal,
): AsyncGenerator<Leaf | { data: Uint8Array }> {
  const data = await fetchVerified(get, root, signal);
  const span = spanOf(data);
  if (expected !== undefined && span !== expected)
    throw badFile('child span does not match its parent', root);
  if (!isIntermediate(span)) {
    if (BigInt(payloadOf(data).length) !== span)
      throw badFile('data chunk length differs from its span', root);
    yield { data };
    return;
  }
  for (const child of childrenOf(root, data)) {
    throwIfAborted(signal);
    if (child.leaf) yield { address: child.address, span: child.span };
    else yield* leaves(get, child.address, child.span, signal);
  }
}

/**
 * Streams a file's bytes in order from its root address, verifying every chunk (address, spans,
 * child counts). Data chunks are fetched `concurrency` ahead; memory is bounded whatever the size.
 */
export async function* join(
  get: ChunkGetter,
  root: Uint8Array,
  options: JoinOptions = {},
): AsyncGenerator<Uint8Array> {
  const { signal } = options;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const window: Promise<Uint8Array>[] = [];
  const fetchLeaf = async (leaf: Leaf): Promise<Uint8Array> => {
    const data = await fetchVerified(get, leaf.address, signal);
    if (spanOf(data) !== leaf.span || BigInt(data.length - 8) !== leaf.span) {
      throw badFile('data chunk length differs from its span', leaf.address);
    }
    return payloadOf(data);
  };
  try {
    for await (const item of leaves(get, root, undefined, signal)) {
      const p = 'data' in item ? Promise.resolve(payloadOf(item.data)) : fetchLeaf(item);
      p.catch(() => {}); // observed when its turn comes
      window.push(p);
      if (window.length >= concurrency) yield await (window.shift() as Promise<Uint8Array>);
    }
    while (window.length > 0) yield await (window.shift() as Promise<Uint8Array>);
  } finally {
    window.length = 0;
  }
}

/** Reads a whole file into memory (small files and tests). */
export async function joinToBytes(
  get: ChunkGetter,
  root: Uint8Array,
  options: JoinOptions = {},
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of join(get, root, options)) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}
