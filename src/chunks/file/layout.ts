import { MurmurError } from '../../errors/index.ts';
import { hex, payloadOf, spanOf } from '../chunk.ts';
import { ADDRESS_SIZE, BRANCHES, CHUNK_SIZE } from '../constants.ts';

/**
 * The file tree layout (docs/CHUNKS.md "Files"): a chunk whose span is over 4096 bytes is
 * intermediate, its payload the addresses of its children, each child covering 4096 × 128^k bytes
 * (the last one the rest). The joiner and the chunk store's pin walk both read trees by these rules.
 */

export const badFile = (why: string, address: Uint8Array): MurmurError =>
  new MurmurError('MURMUR_CHUNKS_BAD_FILE', why, { details: { address: hex(address) } });

/** Bytes each child of a node spanning `span` covers: 4096 × 128^(depth-1). */
export function childCapacity(span: bigint): bigint {
  let cap = BigInt(CHUNK_SIZE);
  while (cap * BigInt(BRANCHES) < span) cap *= BigInt(BRANCHES);
  return cap;
}

export interface Child {
  address: Uint8Array;
  /** Bytes of the file under this child. */
  span: bigint;
  /** A data chunk (the parent is on the lowest intermediate level). */
  leaf: boolean;
}

/** True when a chunk of this span is intermediate (its payload lists children). */
export const isIntermediate = (span: bigint): boolean => span > BigInt(CHUNK_SIZE);

/**
 * The children of the intermediate chunk `data` (verified, at `address`), in file order; throws
 * MURMUR_CHUNKS_BAD_FILE when its payload does not hold exactly the children its span needs.
 */
export function childrenOf(address: Uint8Array, data: Uint8Array): Child[] {
  const span = spanOf(data);
  const payload = payloadOf(data);
  const cap = childCapacity(span);
  const n = Number((span + cap - 1n) / cap);
  if (payload.length !== n * ADDRESS_SIZE)
    throw badFile('intermediate chunk has the wrong child count', address);
  const leaf = cap === BigInt(CHUNK_SIZE);
  const out: Child[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      address: payload.slice(i * ADDRESS_SIZE, (i + 1) * ADDRESS_SIZE),
      span: i < n - 1 ? cap : span - cap * BigInt(n - 1),
      leaf,
    });
  }
  return out;
}
