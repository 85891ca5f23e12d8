/** The chunks the pull-sync benchmarks transfer (no `run()`: bench/run.ts skips this file). */
import { randomBytes } from 'node:crypto';
import { type Chunk, makeChunk } from '../src/chunks/chunk.ts';

const BLOCK = 4096;

/** n distinct 4 KiB chunks without generating n × 4 KiB of randomness: a random slice + the index. */
export function makeBenchChunks(n: number): Chunk[] {
  const chunks: Chunk[] = [];
  const pool = randomBytes(BLOCK * 256);
  for (let i = 0; i < n; i++) {
    const p = new Uint8Array(BLOCK);
    p.set(pool.subarray((i % 255) * BLOCK, (i % 255) * BLOCK + BLOCK));
    new DataView(p.buffer).setUint32(0, i);
    new DataView(p.buffer).setUint32(4, (i * 2654435761) >>> 0);
    chunks.push(makeChunk(p));
  }
  return chunks;
}
