import {
  decodeLocation,
  encodeLocation,
  type SegmentEnd,
  type SegmentLocation,
} from '../../store/segments.ts';
import { equalBytes, hex } from '../chunk.ts';
import { COMPACT_BELOW, COMPACT_SLICE_BYTES } from '../constants.ts';
import { parsePullValue, pullValue } from '../store-types.ts';
import { Batch, encodeEnd } from './host.ts';
import type { Collector } from './index.ts';

interface Live {
  pullKey: string;
  address: Uint8Array;
  origin: Uint8Array | undefined;
  from: SegmentLocation;
  to?: SegmentLocation;
}

/** Compacts every sealed segment whose live bytes are under half its size (in segment order). */
export async function compactPass(c: Collector): Promise<void> {
  const log = c.host.log();
  if (!log) return;
  const sizes = [...(await log.sizes())].sort((a, b) => a[0] - b[0]);
  for (const [seg, size] of sizes) {
    if (c.stopped) return;
    if (seg >= log.end.segment) continue;
    const live = size - (c.segFree.get(seg) ?? 0);
    if (size > 0 && live >= size * COMPACT_BELOW) continue;
    await compactSegment(c, seg, size);
  }
}

/** The chunks whose data are in `seg`, from the pull index (legacy entries through the address index). */
async function liveIn(c: Collector, seg: number): Promise<Live[]> {
  const h = c.host;
  const out: Live[] = [];
  const unknown: { pullKey: string; address: Uint8Array; origin: Uint8Array | undefined }[] = [];
  for await (const [k, v] of h.pull.iterator()) {
    const it = parsePullValue(0n, v);
    const address = new Uint8Array(it.address);
    const origin = it.origin ? new Uint8Array(it.origin) : undefined;
    if (!it.location) unknown.push({ pullKey: k, address, origin });
    else if (it.location.segment === seg) out.push({ pullKey: k, address, origin, from: it.location });
  }
  for (let i = 0; i < unknown.length; i += 1024) {
    const part = unknown.slice(i, i + 1024);
    const locs = await h.chunks.getMany(part.map((u) => hex(u.address)));
    for (const [j, v] of locs.entries()) {
      const loc = v ? decodeLocation(v) : undefined;
      if (loc?.segment === seg) out.push({ ...part[j]!, from: loc });
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
async function compactSegment(c: Collector, seg: number, size: number): Promise<void> {
  const h = c.host;
  const log = h.log()!;
  const live = size > 0 ? await liveIn(c, seg) : [];
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
      const keep = slice.filter((_, j) => datas[j] !== undefined);
      const locs = await log.append(keep.map((l) => datas[slice.indexOf(l)]!));
      for (const [j, l] of keep.entries()) l.to = locs[j]!;
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
  });
  await log.remove(seg);
  await h.meta.del(`segdead/${seg}`);
  c.stats.segmentsCompacted++;
  c.log.debug({ segment: seg, size, live: live.length }, 'chunk segment compacted');
}
