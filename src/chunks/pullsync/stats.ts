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
  /** Requests of a peer stopped here by its CancelRuid (upstream). */
  cancelled = 0;
  /** CancelRuid messages sent for intervals this node abandoned (downstream). */
  cancelsSent = 0;
  dbOps = 0;
  /** Requests served here that a peer broke with misbehaviour (the table's strike kinds). */
  badRequests = 0;
  /** Sync lag per `peer|bin`: upstream cursor minus the highest bin ID synced. */
  readonly lag = new Map<string, bigint>();
}

/** A series: its name (after the prefix), its name before 0.2 (after the legacy prefix), help, value. */
const COUNTERS: [name: string, legacy: string, help: string, read: (s: PullSyncStats) => number][] = [
  ['offered_total', 'chunks_offered_total', 'Chunks offered to peers', (s) => s.offered],
  ['wanted_total', 'chunks_wanted_total', 'Chunks wanted from peers', (s) => s.wanted],
  ['delivered_total', 'chunks_delivered_total', 'Valid chunks received and stored', (s) => s.delivered],
  ['invalid_total', 'chunks_invalid_total', 'Delivered chunks that failed verification', (s) => s.invalid],
  [
    'unsolicited_total',
    'chunks_unsolicited_total',
    'Delivered chunks that were not wanted',
    (s) => s.unsolicited,
  ],
  [
    'duplicate_ruids_total',
    'duplicate_ruids_total',
    'Requests reusing a running ruid',
    (s) => s.duplicateRuids,
  ],
  ['db_ops_total', 'db_ops_total', 'Chunk store operations', (s) => s.dbOps],
];

/**
 * Registers prom-client collectors reading the stats as `<prefix>offered_total` …, `<prefix>lag`.
 * With `legacyPrefix`, the names murmur used before 0.2 (`<legacy>chunks_offered_total` …,
 * `<legacy>sync_lag`, which stuttered as `murmur_chunks_chunks_offered_total`) are kept too, for one
 * version, their help marked deprecated.
 */
export function registerPullSyncMetrics(
  registry: Registry,
  stats: PullSyncStats,
  prefix = 'murmur_pullsync_',
  options: { legacyPrefix?: string } = {},
): void {
  const m = new ScrapeMetrics(registry);
  const lag = () =>
    [...stats.lag].map(([k, v]) => {
      const [peer, bin] = k.split('|') as [string, string];
      return [{ peer, bin }, Number(v)] as const;
    });
  const lagHelp = 'Upstream cursor minus highest synced bin ID, per peer and bin';
  for (const [name, , help, read] of COUNTERS)
    m.counter({ name: `${prefix}${name}`, help, read: () => read(stats) });
  m.gauge({ name: `${prefix}lag`, help: lagHelp, labelNames: ['peer', 'bin'], read: lag });
  const legacy = options.legacyPrefix;
  if (legacy === undefined) return;
  const old = (name: string, help: string): string =>
    `${help} (deprecated: use ${prefix}${name}; removed in 0.3)`;
  for (const [name, was, help, read] of COUNTERS)
    m.counter({ name: `${legacy}${was}`, help: old(name, help), read: () => read(stats) });
  m.gauge({ name: `${legacy}sync_lag`, help: old('lag', lagHelp), labelNames: ['peer', 'bin'], read: lag });
}
