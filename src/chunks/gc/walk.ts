import { throwIfAborted } from '../../errors/index.ts';
import { hex, isValidChunk, spanOf } from '../chunk.ts';
import { SPAN_SIZE } from '../constants.ts';
import { badFile, type Child, childrenOf, isIntermediate } from '../file/layout.ts';

/**
 * Every chunk of a file tree (root, intermediate and data chunks), by the tree layout of
 * src/chunks/file/layout.ts (the joiner's rules: spans, child counts, child capacity 4096 × 128^k).
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
    if (!isIntermediate(span)) return;
    const leaves: Child[] = [];
    for (const child of childrenOf(address, data)) {
      if (child.leaf) leaves.push(child);
      else await visit(child.address, child.span);
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
