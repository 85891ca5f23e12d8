import { createHash } from 'node:crypto';
import { type Clock, systemClock, type TimerHandle } from '../clock/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { decodeLocation, LOCATION_SIZE, type SegmentEnd, type SegmentLocation } from '../store/segments.ts';
import { ADDRESS_SIZE } from './constants.ts';
import type { Usage } from './gc/codec.ts';

/** One entry of a bin's pull index. */
export interface PullItem {
  binId: bigint;
  address: Uint8Array;
  /** Origin tag (8 bytes) of the peer that delivered the chunk by pull-sync, if any. */
  origin?: Uint8Array;
  /** Where the chunk's data sit in the segment files (entries written with segment files). */
  location?: SegmentLocation;
}

/** Bytes of an origin tag: the first 8 bytes of SHA-256(peer id). */
export const ORIGIN_TAG_SIZE = 8;

/** The origin tag of a peer id, stored next to the address in the pull index. */
export function originTag(peerId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(peerId).digest().subarray(0, ORIGIN_TAG_SIZE));
}

export interface PutResult {
  /** False when the chunk was already stored (no new bin ID). */
  stored: boolean;
  bin: number;
  binId: bigint;
}

export const binKey = (bin: number, binId: bigint): string =>
  `${bin.toString(16).padStart(2, '0')}${binId.toString(16).padStart(16, '0')}`;

/**
 * A pull index value: address (32 bytes), then the origin tag (8) if any, then the data's segment
 * location (12) if the data are in segment files. The four lengths (32, 40, 44, 52) are distinct.
 */
export function pullValue(
  address: Uint8Array,
  origin: Uint8Array | undefined,
  location: Uint8Array | undefined,
): Uint8Array {
  if (!origin && !location) return address;
  const o = origin?.length ?? 0;
  const v = new Uint8Array(ADDRESS_SIZE + o + (location?.length ?? 0));
  v.set(address);
  if (origin) v.set(origin, ADDRESS_SIZE);
  if (location) v.set(location, ADDRESS_SIZE + o);
  return v;
}

/** Reads a pull index value (see pullValue); unknown lengths keep only the address. */
export function parsePullValue(binId: bigint, v: Uint8Array): PullItem {
  const address = v.subarray(0, ADDRESS_SIZE);
  switch (v.length) {
    case ADDRESS_SIZE + ORIGIN_TAG_SIZE:
      return { binId, address, origin: v.subarray(ADDRESS_SIZE) };
    case ADDRESS_SIZE + LOCATION_SIZE:
      return { binId, address, location: decodeLocation(v.subarray(ADDRESS_SIZE))! };
    case ADDRESS_SIZE + ORIGIN_TAG_SIZE + LOCATION_SIZE:
      return {
        binId,
        address,
        origin: v.subarray(ADDRESS_SIZE, ADDRESS_SIZE + ORIGIN_TAG_SIZE),
        location: decodeLocation(v.subarray(ADDRESS_SIZE + ORIGIN_TAG_SIZE))!,
      };
    default:
      return { binId, address };
  }
}

export function parseEnd(v: string | undefined): SegmentEnd | undefined {
  const m = v === undefined ? null : /^(\d+):(\d+)$/.exec(v);
  return m ? { segment: Number(m[1]), offset: Number(m[2]) } : undefined;
}

export function storageError(err: unknown): MurmurError {
  if (err instanceof MurmurError) return err;
  return new MurmurError('MURMUR_CHUNKS_STORAGE', 'chunk store operation failed', { cause: err });
}

/** Callers waiting for a bin's cursor to pass a bin ID (woken by the commit that moves it). */
export class BinWaiters {
  readonly #waiters = new Map<number, Set<() => void>>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Wakes every waiter of a bin (its cursor moved). */
  wake(bin: number): void {
    const ws = this.#waiters.get(bin);
    if (!ws) return;
    this.#waiters.delete(bin);
    for (const w of ws) w();
  }

  /**
   * Resolves true once `cursor(bin)` exceeds `after`, false after `timeoutMs` (if given); throws
   * MURMUR_ABORTED on abort.
   */
  wait(
    bin: number,
    after: bigint,
    cursor: (bin: number) => bigint,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<boolean> {
    throwIfAborted(options.signal);
    if (cursor(bin) > after) return Promise.resolve(true);
    return new Promise<boolean>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const set = this.#waiters.get(bin) ?? new Set<() => void>();
      this.#waiters.set(bin, set);
      const done = (): void => {
        set.delete(wake);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const wake = (): void => {
        done();
        resolve(true);
      };
      const onAbort = (): void => {
        done();
        reject(new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: options.signal?.reason }));
      };
      set.add(wake);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = this.#clock.setTimeout(
          () => {
            done();
            resolve(false);
          },
          options.timeoutMs,
          { ref: true }, // a deadline the caller awaits
        );
      }
    });
  }
}

export interface ChunkStoreOptions {
  overlay: Uint8Array;
  /** Sublevel name (default `chunks`). */
  name?: string;
  /**
   * Folder of the segment files holding the chunk data (LevelDB then keeps only their locations);
   * without it the data are LevelDB values.
   */
  dir?: string;
  /** Segment file size before a new one is started (default 128 MiB). */
  segmentBytes?: number;
  /**
   * Bytes of chunk data kept (default 16 GiB, bee's 2^22-chunk reserve; 0 = unlimited). Over it the
   * store evicts in the background down to 90 %: farthest bin first, oldest first, never pinned.
   */
  capacityBytes?: number;
  logger?: Logger;
  /** Time of the store's waits and upkeep measurements (default the system clock; a service passes `ctx.clock`). */
  clock?: Clock;
}

/** Stored bytes against the capacity (see ChunkStore.usage). */
export interface StoreUsage extends Usage {
  capacityBytes: number;
  /** Over the low-water mark with nothing left to evict (everything pinned or held). */
  overCapacity: boolean;
}

/** How chunk data are kept, recorded at the first open (`m/layout`). */
export type Layout = 'values' | 'segments';
