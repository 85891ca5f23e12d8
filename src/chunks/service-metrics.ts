import { Counter, Gauge, type Registry } from 'prom-client';
import type { RetrievalStats } from './retrieval.ts';

interface Source {
  readonly retrieval: { stats: RetrievalStats };
  status(): Record<string, unknown>;
}

/** Retrieval counters and per-bin index sizes as `murmur_chunks_*` (read at scrape time). */
export function registerServiceMetrics(registry: Registry, service: Source): void {
  const read = (): RetrievalStats | undefined => {
    try {
      return service.retrieval.stats;
    } catch {
      return undefined;
    }
  };
  const counter = (name: string, help: string, key: keyof RetrievalStats): void => {
    new Counter({
      name: `murmur_chunks_retrieval_${name}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read()?.[key] ?? 0);
      },
    });
  };
  counter('requests', 'Retrieval requests received from peers', 'requests');
  counter('served', 'Retrieval requests answered with a chunk', 'served');
  counter('forwarded', 'Retrieval requests sent to peers (own and forwarded)', 'forwarded');
  counter('not_found', 'Retrieval requests answered not-found', 'notFound');
  counter('invalid', 'Retrieved chunks that failed verification', 'invalid');
  new Gauge({
    name: 'murmur_chunks_bin_cursor',
    help: 'Highest bin ID per proximity bin of the local store',
    labelNames: ['bin'],
    registers: [registry],
    collect() {
      this.reset();
      const cursors = (service.status().cursors as string[] | undefined) ?? [];
      cursors.forEach((c, bin) => {
        if (c !== '0') this.set({ bin: String(bin) }, Number(c));
      });
    },
  });
}
