import { Counter, Gauge, type Registry } from 'prom-client';
import type { TreeStore } from './store.ts';

/**
 * Registers `murmur_tree_records_*` (once per registry), read at scrape time:
 * - `murmur_tree_records_pending`: grants and revocations waiting for authority (in memory);
 * - `murmur_tree_records_unauthorised_total`: records finally refused for having no authority
 *   (dropped from the pending pool, or an own grant/revocation refused through the API/CLI);
 * - `murmur_tree_records_parked_total`: grants and revocations that went to the pending pool on arrival.
 */
export function registerTreeMetrics(registry: Registry, store: () => TreeStore | undefined): void {
  if (registry.getSingleMetric('murmur_tree_records_pending') !== undefined) return;
  new Gauge({
    name: 'murmur_tree_records_pending',
    help: 'Grants and revocations that verify but have no authority yet (pending pool, memory only)',
    registers: [registry],
    collect() {
      this.set(store()?.pool.size ?? 0);
    },
  });
  new Counter({
    name: 'murmur_tree_records_unauthorised_total',
    help: 'Grants and revocations refused for having no authority (dropped from the pending pool, or own ones refused)',
    registers: [registry],
    collect() {
      this.reset();
      const c = store()?.counters;
      if (c !== undefined) this.inc(c.dropped + c.notAuthorised);
    },
  });
  new Counter({
    name: 'murmur_tree_records_parked_total',
    help: 'Grants and revocations that went to the pending pool on arrival (no authority yet)',
    registers: [registry],
    collect() {
      this.reset();
      const c = store()?.counters;
      if (c !== undefined) this.inc(c.pending);
    },
  });
}
