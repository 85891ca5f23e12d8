import { MurmurError, throwIfAborted } from '../../errors/index.ts';
import { hex } from '../chunk.ts';
import { decodePinCount, decodePinRoot, encodePinCount, encodePinRoot, encodeUsage } from './codec.ts';
import type { PassState } from './host.ts';
import { Batch } from './host.ts';
import { type WalkSource, walkTree } from './walk.ts';

/** A pinned file tree. */
export interface PinInfo {
  /** Root address, hex. */
  root: string;
  /** Distinct chunks of the tree and their data bytes. */
  chunks: number;
  bytes: number;
}

const notPinned = (root: string): MurmurError =>
  new MurmurError('MURMUR_CHUNKS_NOT_PINNED', 'this root is not pinned', { details: { root } });

/** Most missing addresses named in a MURMUR_CHUNKS_PIN_MISSING error. */
const MISSING_SHOWN = 16;

const missingError = (root: string, missing: string[]): MurmurError =>
  new MurmurError(
    'MURMUR_CHUNKS_PIN_MISSING',
    `${missing.length} chunk(s) of the file are neither stored nor retrievable`,
    { details: { root, count: missing.length, missing: missing.slice(0, MISSING_SHOWN) } },
  );

/**
 * Pins the file tree under `root`: every chunk's pin count goes up by one in one batch, with the
 * root's record. Chunks not stored are read through `src.get` (the service's retrieval, which stores
 * them); if some still cannot be had, nothing is pinned and MURMUR_CHUNKS_PIN_MISSING names them.
 * Pinning a pinned root changes nothing.
 */
export async function pin(
  c: PassState,
  src: WalkSource,
  root: Uint8Array,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<PinInfo> {
  const h = c.host;
  const rootHex = hex(root);
  const known = await h.roots.get(rootHex);
  if (known) return { root: rootHex, ...decodePinRoot(known) };
  // the chunks found stay put (not evicted) until their pin counts are written
  const releases: (() => void)[] = [];
  try {
    const walked = await walkTree(src, root, {
      ...(options.signal ? { signal: options.signal } : {}),
      onChunk: (k) => releases.push(c.hold([k])),
    });
    if (walked.missing.length > 0) throw missingError(rootHex, walked.missing);
    throwIfAborted(options.signal);
    return await h.exclusive(async () => {
      const again = await h.roots.get(rootHex);
      if (again) return { root: rootHex, ...decodePinRoot(again) };
      const keys = [...walked.chunks.keys()];
      const [present, counts] = await Promise.all([h.chunks.hasMany(keys), h.pins.getMany(keys)]);
      const gone = keys.filter((_, i) => present[i] !== true);
      if (gone.length > 0) throw missingError(rootHex, gone);
      const before = { ...h.usage };
      const b = new Batch();
      let bytes = 0;
      for (const [i, k] of keys.entries()) {
        const length = walked.chunks.get(k)!;
        const old = counts[i] ? decodePinCount(counts[i]) : { count: 0, length };
        if (old.count === 0) {
          h.usage.pinnedChunks++;
          h.usage.pinnedBytes += length;
        }
        b.put(h.pins, k, encodePinCount({ count: old.count + 1, length }));
        bytes += length;
      }
      const record = { chunks: keys.length, bytes };
      b.put(h.roots, rootHex, encodePinRoot(record)).put(h.meta, 'usage', encodeUsage(h.usage));
      try {
        await b.write(h.chunks);
      } catch (err) {
        Object.assign(h.usage, before);
        throw err;
      }
      return { root: rootHex, ...record };
    });
  } finally {
    for (const r of releases) r();
  }
}

/**
 * Unpins a root: the pin count of every chunk of its tree goes down by one (a chunk shared with
 * another pinned file stays pinned), in one batch with the root record's removal. The chunks become
 * evictable; MURMUR_CHUNKS_NOT_PINNED if the root is not pinned.
 */
export async function unpin(
  c: PassState,
  src: WalkSource,
  root: Uint8Array,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<PinInfo> {
  const h = c.host;
  const rootHex = hex(root);
  if (!(await h.roots.get(rootHex))) throw notPinned(rootHex);
  // pinned chunks are all stored: the walk reads them locally
  const walked = await walkTree(src, root, options.signal ? { signal: options.signal } : {});
  const info = await h.exclusive(async () => {
    const rec = await h.roots.get(rootHex);
    if (!rec) throw notPinned(rootHex);
    const keys = [...walked.chunks.keys()];
    const counts = await h.pins.getMany(keys);
    const before = { ...h.usage };
    const b = new Batch();
    for (const [i, k] of keys.entries()) {
      const v = counts[i];
      if (!v) continue;
      const old = decodePinCount(v);
      if (old.count <= 1) {
        b.del(h.pins, k);
        if (old.count === 1) {
          h.usage.pinnedChunks--;
          h.usage.pinnedBytes -= old.length;
        }
      } else b.put(h.pins, k, encodePinCount({ count: old.count - 1, length: old.length }));
    }
    b.del(h.roots, rootHex).put(h.meta, 'usage', encodeUsage(h.usage));
    try {
      await b.write(h.chunks);
    } catch (err) {
      Object.assign(h.usage, before);
      throw err;
    }
    return { root: rootHex, ...decodePinRoot(rec) };
  });
  c.unpinned();
  return info;
}

/** The pinned roots. */
export async function pins(c: PassState): Promise<PinInfo[]> {
  const out: PinInfo[] = [];
  for await (const [k, v] of c.host.roots.iterator()) out.push({ root: k, ...decodePinRoot(v) });
  return out;
}
