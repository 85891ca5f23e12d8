import { Counter, Gauge, type Registry } from 'prom-client';

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
  if (registry.getSingleMetric('murmur_journals_events_appended_total') !== undefined) return;
  const counter = (name: string, help: string, read: (s: JournalsMetricsSource) => number): void => {
    new Counter({
      name: `murmur_journals_${name}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const s = source();
        if (s) this.inc(read(s));
      },
    });
  };
  counter('events_appended', 'Events appended to journals this node writes', (s) => s.counters.appended);
  counter('events_received', 'Verified events received from peers', (s) => s.syncStats()?.accepted ?? 0);
  counter('stalls', 'Subscriptions moved because the upstream stalled', (s) => s.syncStats()?.stalls ?? 0);
  counter('subscriptions', 'Subscriptions opened to peers', (s) => s.syncStats()?.subscriptions ?? 0);
  new Counter({
    name: 'murmur_journals_events_rejected_total',
    help: 'Items from peers rejected, by reason (forged, gap, fork, too_large, bad_message)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of source()?.counters.rejected ?? []) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'murmur_journals_lag_events',
    help: 'Per followed journal: highest head advertised by peers minus the verified local head',
    labelNames: ['journal'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { journal, lag } of source()?.lag() ?? []) this.set({ journal }, lag);
    },
  });
  new Gauge({
    name: 'murmur_journals_held',
    help: 'Journals held by this node (own and followed)',
    registers: [registry],
    collect() {
      this.set(source()?.held() ?? 0);
    },
  });
}
