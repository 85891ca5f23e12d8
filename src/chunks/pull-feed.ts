import type { PullItem } from './store-types.ts';

/** The part of the store a pull feed reads. */
export interface PullSource {
  cursor(bin: number): bigint;
  range(bin: number, from: bigint, to: bigint, limit: number): Promise<PullItem[]>;
  waitForBin(bin: number, after: bigint, options: { signal?: AbortSignal }): Promise<boolean>;
}

/**
 * Every entry of a bin from `from` on, then live entries as they are stored; ends after `to` (if
 * given) or on abort (MURMUR_ABORTED).
 */
export async function* subscribePull(
  store: PullSource,
  bin: number,
  from: bigint,
  to?: bigint,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<PullItem> {
  let cur = from;
  for (;;) {
    const top = store.cursor(bin);
    const page = await store.range(bin, cur, to ?? top, 256);
    for (const item of page) {
      yield item;
      cur = item.binId + 1n;
      if (to !== undefined && item.binId >= to) return;
    }
    if (page.length === 256) continue;
    if (to !== undefined && top >= to) return;
    await store.waitForBin(bin, cur - 1n, options);
  }
}
