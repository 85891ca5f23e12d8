import {
  decodeLocation,
  encodeLocation,
  type SegmentEnd,
  type SegmentLocation,
  type SegmentLog,
} from '../../store/segments.ts';
import { equalBytes, hex } from '../chunk.ts';
import { COMPACT_BELOW, COMPACT_SLICE_BYTES } from '../constants.ts';
import { parsePullValue, pullValue } from '../store-types.ts';
import type { PassState } from './host.ts';
import { Batch, encodeEnd, type Sub } from './host.ts';

interface Live {
  pullKey: string;
  address: Uint8Array;
  origin: Uint8Array | undefined;
  from: SegmentLocation;
  to?: SegmentLocation;
}

/**
 * Compacts every sealed segment whose live bytes are under half its size (in segment order). The
 * candidates and their sizes are taken first, all sealed (before the segment appended to and before
 * any group commit still waiting for its batch), so no chunk can land in them afterwards; one scan
 * of the pull index then finds their live chunks.
 */
export async function compactPass(c: PassState): Promise<void> {
  const log = c.host.log();
  if (!log) return;
  const limit = Math.min(log.end.segment, c.host.busyFrom());
  const candidates = new Map<number, number>();
  for (const [seg, size] of await log.sizes()) {
    if (seg >= limit) continue;
    const live = size - (c.segFree.get(seg) ?? 0);
    if (size === 0 || live < size * COMPACT_BELOW) candidates.set(seg, size);
  }
  if (candidates.size === 0) return;
  const live = await liveIn(c, new Set(candidates.keys()));
  for (const seg of [...candidates.keys()].sort((x, y) => x - y)) {
    if (c.stopped) return;
    await compactSegment(c, seg, candidates.get(seg)!, live.get(seg) ?? []);
  }
}

/** The chunks whose data are in `segs`, from the pull index (legacy entries through the address index). */
async function liveIn(c: PassState, segs: Set<number>): Promise<Map<number, Live[]>> {
  const h = c.host;
  const out = new Map<number, Live[]>();
  const add = (l: Live): void => {
    const list = out.get(l.from.segment);
    if (list) list.push(l);
    else out.set(l.from.segment, [l]);
  };
  const unknown: { pullKey: string; address: Uint8Array; origin: Uint8Array | undefined }[] = [];
  for await (const [k, v] of h.pull.iterator()) {
    const it = parsePullValue(0n, v);
    if (it.location && !segs.has(it.location.segment)) continue;
    const address = new Uint8Array(it.address);
    const origin = it.origin ? new Uint8Array(it.origin) : undefined;
    if (!it.location) unknown.push({ pullKey: k, address, origin });
    else add({ pullKey: k, address, origin, from: it.location });
  }
  for (let i = 0; i < unknown.length; i += 1024) {
    const part = unknown.slice(i, i + 1024);
    const locs = await h.chunks.getMany(part.map((u) => hex(u.address)));
    for (const [j, v] of locs.entries()) {
      const loc = v ? decodeLocation(v) : undefined;
      if (loc && segs.has(loc.segment)) add({ ...part[j]!, from: loc });
    }
  }
  return out;
}

/**
 * Live chunks appended (synced) to the current segment, then ONE batch moves their address and
 * pull entries (only those still pointing at the old place: an evicted chunk is left out), then the
 * file is deleted. `m!compacting` makes the next open count again if a crash cuts this short;
 * `m!segdead/<n>` makes it delete the file if the crash comes between the batch and the unlink.
 */
async function compactSegment(c: PassState, seg: number, size: number, live: Live[]): Promise<void> {
  const h = c.host;
  const log = h.log()!;
  let end: SegmentEnd | undefined;
  if (live.length > 0) {
    await h.meta.put('compacting', String(seg));
    for (let i = 0; i < live.length && !c.stopped; ) {
      const slice: Live[] = [];
      let bytes = 0;
      while (i < live.length && (slice.length === 0 || bytes + live[i]!.from.length <= COMPACT_SLICE_BYTES)) {
        bytes += live[i]!.from.length;
        slice.push(live[i++]!);
      }
      const datas = await log.read(slice.map((l) => l.from));
      if (datas.some((d) => d === undefined)) {
        // cannot copy every live chunk: the segment stays (the next open counts again)
        throw new Error(`segment ${seg} could not be read for compaction`);
      }
      const locs = await log.append(datas as Uint8Array[]);
      for (const [j, l] of slice.entries()) l.to = locs[j]!;
      const last = locs.at(-1);
      if (last) end = { segment: last.segment, offset: last.offset + last.length };
    }
    if (c.stopped) return; // the next open counts again (m!compacting)
  }
  await h.exclusive(async () => {
    const moved = live.filter((l) => l.to !== undefined);
    const current = moved.length ? await h.chunks.getMany(moved.map((l) => hex(l.address))) : [];
    const b = new Batch();
    const garbage = new Map<number, number>();
    let rewritten = 0;
    for (const [i, l] of moved.entries()) {
      const to = l.to!;
      const v = current[i];
      if (v !== undefined && equalBytes(v, encodeLocation(l.from))) {
        const loc = encodeLocation(to);
        b.put(h.chunks, hex(l.address), loc);
        b.put(h.pull, l.pullKey, pullValue(l.address, l.origin, loc));
        rewritten += to.length;
      } else garbage.set(to.segment, (garbage.get(to.segment) ?? 0) + to.length);
    }
    const free = new Map<number, number>();
    for (const [s, n] of garbage) free.set(s, (c.segFree.get(s) ?? 0) + n);
    for (const [s, n] of free) b.put(h.meta, `segfree/${s}`, String(n));
    b.del(h.meta, `segfree/${seg}`).put(h.meta, `segdead/${seg}`, '1').del(h.meta, 'compacting');
    const committed = end ? h.endAfter(end) : undefined;
    if (committed) b.put(h.meta, 'segend', encodeEnd(committed));
    await b.write(h.chunks);
    if (committed) h.setEnd(committed);
    for (const [s, n] of free) c.segFree.set(s, n);
    c.segFree.delete(seg);
    c.stats.reclaimedBytes += Math.max(0, size - rewritten);
    c.stats.movedBytes += rewritten;
  });
  await log.remove(seg);
  await h.meta.del(`segdead/${seg}`);
  c.stats.segmentsCompacted++;
  c.log.debug({ segment: seg, size, live: live.length }, 'chunk segment compacted');
}

/**
 * The data of chunks from their address-index values (segment locations): a segment compacted
 * meanwhile reads as undefined, and those chunks are asked of the index again (a few rounds).
 */
export async function readLocated(
  log: SegmentLog,
  index: Sub<Uint8Array>,
  keys: string[],
  values: (Uint8Array | undefined)[],
): Promise<(Uint8Array | undefined)[]> {
  const locs = values.map((v) => (v ? decodeLocation(v) : undefined));
  const out = await log.read(locs);
  for (let round = 0; round < 3; round++) {
    const lost = out.flatMap((d, i) => (d === undefined && locs[i] !== undefined ? [i] : []));
    if (lost.length === 0) break;
    const again = await index.getMany(lost.map((i) => keys[i]!));
    const relocs = again.map((v) => (v ? decodeLocation(v) : undefined));
    const datas = await log.read(relocs);
    for (const [j, i] of lost.entries()) {
      locs[i] = relocs[j];
      out[i] = datas[j];
    }
  }
  return out;
}
