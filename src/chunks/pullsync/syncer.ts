import { type Clock, systemClock } from '../../clock/index.ts';
import { MurmurError } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import { MAX_U64 } from '../../streamer/constants.ts';
import type { IntervalStore } from '../intervals/interval-store.ts';
import { isRetryable, type PullSyncClient } from './client.ts';
import { RETRY_BACKOFF_MS } from './constants.ts';

export interface BinSyncOptions {
  client: PullSyncClient;
  intervals: IntervalStore;
  peer: string;
  bin: number;
  /** The peer's cursor of this bin when the session started: history is [1, cursor], live after it. */
  cursor: bigint;
  /** Also follow new chunks after the cursor (default true). */
  live?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  backoffMs?: readonly number[];
  /** Time of the retry pauses (default the system clock). */
  clock?: Clock;
  /**
   * A non-retryable error stopped this bin's sync with the peer: misbehaviour by the error table (the
   * caller strikes it) or a peer that does not serve pull-sync. Churn is retried, never reported here.
   */
  onFatal?: (err: unknown) => void;
  /** Called after each recorded page (progress and lag). */
  onProgress?: (p: { bin: number; from: bigint; topmost: bigint; live: boolean }) => void;
}

/** The interval-store key of a bin's pull-sync stream. */
export const streamKey = (bin: number): string => `pullsync|${bin}`;

/**
 * Syncs one bin from one peer until aborted: historical gaps of the persisted interval set up to the
 * session cursor, and (concurrently) live pages after it. Every page is recorded as soon as it is
 * stored, so a restart re-transfers at most the page that was in flight. Retries with backoff on
 * connection or storage errors only; anything else stops it (onFatal) without throwing.
 */
export async function syncBin(options: BinSyncOptions): Promise<void> {
  const { client, intervals, peer, bin, cursor, signal } = options;
  const log = options.logger ?? silentLogger;
  const backoff = options.backoffMs ?? RETRY_BACKOFF_MS;
  const key = streamKey(bin);

  const page = async (from: bigint, to: bigint, live: boolean): Promise<bigint> => {
    const onStored = async (upto: bigint): Promise<void> => {
      await intervals.add(peer, key, from, upto, 1n);
      options.onProgress?.({ bin, from, topmost: upto, live });
    };
    const { topmost } = await client.syncInterval(peer, bin, from, to, { signal, onStored });
    if (topmost < from) {
      throw new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', 'peer returned a topmost before the range');
    }
    await intervals.add(peer, key, from, topmost, 1n);
    options.onProgress?.({ bin, from, topmost, live });
    return topmost;
  };

  const withRetry = async (step: () => Promise<boolean>): Promise<void> => {
    let failures = 0;
    for (;;) {
      try {
        if (!(await step())) return;
        failures = 0;
      } catch (err) {
        if (signal?.aborted) return;
        if (!isRetryable(err)) {
          // logged (rate-limited) by whoever strikes: one bad peer must not flood the log
          log.debug({ peer, bin, err }, 'pullsync: stopped syncing bin from peer');
          options.onFatal?.(err);
          return;
        }
        const ms = backoff[Math.min(failures, backoff.length - 1)] ?? 1000;
        failures++;
        log.debug({ peer, bin, err, ms }, 'pullsync: retrying');
        try {
          await (options.clock ?? systemClock).sleep(ms, { signal });
        } catch {
          return;
        }
      }
    }
  };

  const history = withRetry(async () => {
    if (cursor === 0n) return false;
    const gap = (await intervals.get(peer, key, 1n)).next(cursor);
    if (gap.empty) return false;
    await page(gap.start, gap.end, false);
    return true;
  });

  let liveFrom = cursor + 1n;
  const live =
    options.live === false
      ? Promise.resolve()
      : withRetry(async () => {
          if (signal?.aborted) return false;
          const iv = await intervals.get(peer, key, 1n);
          // skip what an earlier session already synced past the cursor
          for (const [s, e] of iv.ranges()) {
            if (liveFrom >= s && liveFrom <= e) {
              if (e === MAX_U64) return false;
              liveFrom = e + 1n;
            }
          }
          liveFrom = (await page(liveFrom, MAX_U64, true)) + 1n;
          return true;
        });
  await Promise.all([history, live]);
}
