import { decodeLocation } from '../../store/segments.ts';
import { hex } from '../chunk.ts';
import { ADDRESS_SIZE, BIN_COUNT, EVICT_PAGE } from '../constants.ts';
import { binKey } from '../store-types.ts';
import { encodeUsage } from './codec.ts';
import type { PassState } from './host.ts';
import { Batch } from './host.ts';

const TOP = 0xffffffffffffffffn;

/**
 * Evicts down to the low-water mark: bin 0 (farthest from this node) first, within a bin the lowest
 * bin IDs (oldest) first, skipping pinned and held chunks. One batch per page of the pull index deletes the address and pull entries and writes the counters and the freed bytes per segment.
 */
export async function evictPass(c: PassState): Promise<boolean> {
  const h = c.host;
  const target = c.lowWater;
  let bin = 0;
  for (; bin < BIN_COUNT && h.usage.bytes > target && !c.stopped; bin++) {
    while (h.usage.bytes > target && !c.stopped) {
      const rows = await h.pull
        .iterator({ gte: binKey(bin, c.floor[bin]!), lte: binKey(bin, TOP), limit: EVICT_PAGE })
        .all();
      if (rows.length === 0) break;
      const upto = await h.exclusive(() => evictPage(c, rows, target));
      // the next pass starts after what this one looked at (bin IDs only grow in a bin)
      if (upto >= c.floor[bin]!) c.floor[bin] = upto + 1n;
    }
  }
  // every bin looked through and still over: what is left is pinned or held
  return bin === BIN_COUNT && h.usage.bytes > target && !c.stopped;
}

/** Evicts what it may of one page; returns the highest bin ID it looked at (0n: none). */
async function evictPage(c: PassState, rows: [string, Uint8Array][], target: number): Promise<bigint> {
  const h = c.host;
  const log = h.log();
  const keys = rows.map(([, v]) => hex(v.subarray(0, ADDRESS_SIZE)));
  // read inside the exclusive step: no pin or commit lands between this check and the batch.
  // Pin counts by get, not hasMany: classic-level's hasMany seeks an iterator, and a seek for an
  // absent `n!` key lands on the pull index's first bin, where the entries this pass deleted lie as
  // tombstones, so every lookup walked all of them (eviction slowed down page after page)
  const [pins, values] = await Promise.all([h.pins.getMany(keys), h.chunks.getMany(keys)]);
  const pinned = pins.map((p) => p !== undefined);
  const before = { ...h.usage };
  const freeBefore = new Map(c.segFree);
  const touched = new Set<number>();
  const b = new Batch();
  let evicted = 0;
  let bytes = 0;
  let upto = 0n;
  for (const [i, [pullKey]] of rows.entries()) {
    if (h.usage.bytes <= target) break;
    upto = BigInt(`0x${pullKey.slice(2)}`);
    const key = keys[i]!;
    if (pinned[i] === true || c.held.has(key)) continue;
    b.del(h.pull, pullKey);
    const v = values[i];
    if (v === undefined) continue; // a pull entry without its chunk: dropped
    const loc = log ? decodeLocation(v) : undefined;
    const length = loc ? loc.length : v.length;
    if (loc) {
      c.segFree.set(loc.segment, (c.segFree.get(loc.segment) ?? 0) + loc.length);
      touched.add(loc.segment);
    }
    b.del(h.chunks, key);
    h.usage.bytes -= length;
    h.usage.chunks--;
    evicted++;
    bytes += length;
  }
  if (b.ops.length === 0) return upto;
  for (const seg of touched) b.put(h.meta, `segfree/${seg}`, String(c.segFree.get(seg)));
  b.put(h.meta, 'usage', encodeUsage(h.usage));
  try {
    await b.write(h.chunks);
  } catch (err) {
    Object.assign(h.usage, before);
    c.segFree.clear();
    for (const [k, v] of freeBefore) c.segFree.set(k, v);
    throw err;
  }
  c.stats.evictedChunks += evicted;
  c.stats.evictedBytes += bytes;
  return upto;
}
