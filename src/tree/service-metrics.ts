import type { Registry } from 'prom-client';
import { ScrapeMetrics } from '../metrics/scrape.ts';
import type { TreeStore } from './store.ts';

/**
 * Registers `murmur_tree_records_*` (once per registry), read at scrape time:
 * - `murmur_tree_records_pending`: grants and revocations waiting for authority (in memory);
 * - `murmur_tree_records_unauthorised_total`: records finally refused for having no authority
 *   (dropped from the pending pool, or an own grant/revocation refused through the API/CLI);
 * - `murmur_tree_records_parked_total`: grants and revocations that went to the pending pool on arrival.
 */
export function registerTreeMetrics(registry: Registry, store: () => TreeStore | undefined): void {
  const m = new ScrapeMetrics(registry);
  m.gauge({
    name: 'murmur_tree_records_pending',
    help: 'Grants and revocations that verify but have no authority yet (pending pool, memory only)',
    read: () => store()?.pool.size,
  });
  m.counter({
    name: 'murmur_tree_records_unauthorised_total',
    help: 'Grants and revocations refused for having no authority (dropped from the pending pool, or own ones refused)',
    read: () => {
      const c = store()?.counters;
      return c === undefined ? undefined : c.dropped + c.notAuthorised;
    },
  });
  m.counter({
    name: 'murmur_tree_records_parked_total',
    help: 'Grants and revocations that went to the pending pool on arrival (no authority yet)',
    read: () => store()?.counters.pending,
  });
}
