import { MurmurError, throwIfAborted } from '../../errors/index.ts';
import { hex, isValidChunk, payloadOf, spanOf } from '../chunk.ts';
import { ADDRESS_SIZE, BRANCHES, CHUNK_SIZE, SPAN_SIZE } from '../constants.ts';

/**
 * Every chunk of a file tree (root, intermediate and data chunks), by the tree layout of
 * src/chunks/file (the joiner's rules: spans, child counts, child capacity 4096 × 128^k).
 * Intermediate chunks are read (verified); data chunks are only checked for presence, and read
 * (through `get`, which may fetch them) when missing. Chunks that cannot be had are reported, and
 * nothing under them is visited.
 */
export interface WalkSource {
  /** A chunk's data (local, or fetched and stored); undefined if it cannot be had. */
  get(address: Uint8Array, options: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  /** Which addresses are stored locally. */
  hasMany(addresses: Uint8Array[]): Promise<boolean[]>;
}

export interface WalkResult {
  /** Address hex → data length, each chunk once. */
  chunks: Map<string, number>;
  /** Address hex of the chunks that could not be had. */
  missing: string[];
}

const badFile = (why: string, address: Uint8Array): MurmurError =>
  new MurmurError('MURMUR_CHUNKS_BAD_FILE', why, { details: { address: hex(address) } });

function childCapacity(span: bigint): bigint {
  let cap = BigInt(CHUNK_SIZE);
  while (cap * BigInt(BRANCHES) < span) cap *= BigInt(BRANCHES);
  return cap;
}

export async function walkTree(
  src: WalkSource,
  root: Uint8Array,
  options: { signal?: AbortSignal; onChunk?: (address: string) => void } = {},
): Promise<WalkResult> {
  const { signal } = options;
  const out: WalkResult = { chunks: new Map(), missing: [] };
  const opts = signal ? { signal } : {};
  const seen = (address: Uint8Array, length: number): void => {
    const h = hex(address);
    if (!out.chunks.has(h)) options.onChunk?.(h);
    out.chunks.set(h, length);
  };
  const fetch = async (address: Uint8Array): Promise<Uint8Array | undefined> => {
    const data = await src.get(address, opts);
    if (data === undefined || !isValidChunk(address, data)) {
      out.missing.push(hex(address));
      return undefined;
    }
    return data;
  };
  const visit = async (address: Uint8Array, expected: bigint | undefined): Promise<void> => {
    throwIfAborted(signal);
    const data = await fetch(address);
    if (!data) return;
    seen(address, data.length);
    const span = spanOf(data);
    if (expected !== undefined && span !== expected)
      throw badFile('child span does not match its parent', address);
    if (span <= BigInt(CHUNK_SIZE)) return;
    const payload = payloadOf(data);
    const cap = childCapacity(span);
    const n = Number((span + cap - 1n) / cap);
    if (payload.length !== n * ADDRESS_SIZE)
      throw badFile('intermediate chunk has the wrong child count', address);
    const leaves: { address: Uint8Array; span: bigint }[] = [];
    for (let i = 0; i < n; i++) {
      const child = payload.slice(i * ADDRESS_SIZE, (i + 1) * ADDRESS_SIZE);
      const childSpan = i < n - 1 ? cap : span - cap * BigInt(n - 1);
      if (cap === BigInt(CHUNK_SIZE)) leaves.push({ address: child, span: childSpan });
      else await visit(child, childSpan);
    }
    if (leaves.length === 0) return;
    const have = await src.hasMany(leaves.map((l) => l.address));
    for (const [i, l] of leaves.entries()) {
      if (have[i] === true) seen(l.address, SPAN_SIZE + Number(l.span));
      else {
        const d = await fetch(l.address);
        if (d) seen(l.address, d.length);
      }
    }
  };
  await visit(root, undefined);
  return out;
}
