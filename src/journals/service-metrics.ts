import type { Registry } from 'prom-client';
import { ScrapeMetrics } from '../metrics/scrape.ts';

/** What the metrics read from the journals service at scrape time. */
export interface JournalsMetricsSource {
  readonly counters: {
    appended: number;
    rejected: Map<string, number>;
  };
  syncStats(): { accepted: number; faults: number; stalls: number; subscriptions: number } | undefined;
  lag(): { journal: string; lag: number }[];
  held(): number;
}

/** Registers `murmur_journals_*` (once per registry). */
export function registerJournalsMetrics(
  registry: Registry,
  source: () => JournalsMetricsSource | undefined,
): void {
  const m = new ScrapeMetrics(registry);
  const counter = (name: string, help: string, read: (s: JournalsMetricsSource) => number): void => {
    m.counter({
      name: `murmur_journals_${name}_total`,
      help,
      read: () => {
        const s = source();
        return s === undefined ? undefined : read(s);
      },
    });
  };
  counter('events_appended', 'Events appended to journals this node writes', (s) => s.counters.appended);
  counter('events_received', 'Verified events received from peers', (s) => s.syncStats()?.accepted ?? 0);
  counter('stalls', 'Subscriptions moved because the upstream stalled', (s) => s.syncStats()?.stalls ?? 0);
  counter('subscriptions', 'Subscriptions opened to peers', (s) => s.syncStats()?.subscriptions ?? 0);
  m.counter({
    name: 'murmur_journals_events_rejected_total',
    help: 'Items from peers rejected, by reason (forged, gap, fork, too_large, bad_message)',
    labelNames: ['reason'],
    read: () => [...(source()?.counters.rejected ?? [])].map(([reason, n]) => [{ reason }, n] as const),
  });
  m.gauge({
    name: 'murmur_journals_lag_events',
    help: 'Per followed journal: highest head advertised by peers minus the verified local head',
    labelNames: ['journal'],
    read: () => (source()?.lag() ?? []).map(({ journal, lag }) => [{ journal }, lag] as const),
  });
  m.gauge({
    name: 'murmur_journals_held',
    help: 'Journals held by this node (own and followed)',
    read: () => source()?.held(),
  });
}
