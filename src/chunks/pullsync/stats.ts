import type { Registry } from 'prom-client';
import { ScrapeMetrics } from '../../metrics/scrape.ts';

/** Counters of one pull-sync instance (plain numbers; `registerPullSyncMetrics` exposes them). */
export class PullSyncStats {
  offered = 0;
  wanted = 0;
  delivered = 0;
  /** Chunks received whose data did not hash to their address (skipped). */
  invalid = 0;
  unsolicited = 0;
  duplicateRuids = 0;
  cancelled = 0;
  dbOps = 0;
  /** Requests served here that a peer broke with misbehaviour (the table's strike kinds). */
  badRequests = 0;
  /** Sync lag per `peer|bin`: upstream cursor minus the highest bin ID synced. */
  readonly lag = new Map<string, bigint>();
}

/** Registers prom-client collectors reading the stats (names as the original's metrics). */
export function registerPullSyncMetrics(
  registry: Registry,
  stats: PullSyncStats,
  prefix = 'murmur_pullsync_',
): void {
  const m = new ScrapeMetrics(registry);
  const counter = (name: string, help: string, read: () => number): void => {
    m.counter({ name: `${prefix}${name}`, help, read });
  };
  counter('chunks_offered_total', 'Chunks offered to peers', () => stats.offered);
  counter('chunks_wanted_total', 'Chunks wanted from peers', () => stats.wanted);
  counter('chunks_delivered_total', 'Valid chunks received and stored', () => stats.delivered);
  counter('chunks_invalid_total', 'Delivered chunks that failed verification', () => stats.invalid);
  counter('chunks_unsolicited_total', 'Delivered chunks that were not wanted', () => stats.unsolicited);
  counter('duplicate_ruids_total', 'Requests reusing a running ruid', () => stats.duplicateRuids);
  counter('db_ops_total', 'Chunk store operations', () => stats.dbOps);
  m.gauge({
    name: `${prefix}sync_lag`,
    help: 'Upstream cursor minus highest synced bin ID, per peer and bin',
    labelNames: ['peer', 'bin'],
    read: () =>
      [...stats.lag].map(([k, v]) => {
        const [peer, bin] = k.split('|') as [string, string];
        return [{ peer, bin }, Number(v)] as const;
      }),
  });
}
