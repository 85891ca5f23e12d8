import type { Registry } from 'prom-client';
import { ScrapeMetrics } from '../metrics/scrape.ts';
import type { RetrievalStats } from './retrieval/index.ts';

interface Source {
  readonly retrieval: { stats: RetrievalStats };
  status(): Record<string, unknown>;
}

/** Retrieval counters and per-bin index sizes as `murmur_chunks_*` (read at scrape time). */
export function registerServiceMetrics(registry: Registry, service: Source): void {
  const m = new ScrapeMetrics(registry);
  const read = (): RetrievalStats | undefined => {
    try {
      return service.retrieval.stats;
    } catch {
      return undefined;
    }
  };
  const counter = (name: string, help: string, key: keyof RetrievalStats): void => {
    m.counter({ name: `murmur_chunks_retrieval_${name}_total`, help, read: () => read()?.[key] });
  };
  counter('requests', 'Retrieval requests received from peers', 'requests');
  counter('served', 'Retrieval requests answered with a chunk', 'served');
  counter('forwarded', 'Retrieval requests sent to peers (own and forwarded)', 'forwarded');
  counter('not_found', 'Retrieval requests answered not-found', 'notFound');
  counter('invalid', 'Retrieved chunks that failed verification', 'invalid');
  const storage = (key: string): number => {
    const v = (service.status().storage as Record<string, number | boolean> | undefined)?.[key];
    return typeof v === 'boolean' ? Number(v) : (v ?? 0);
  };
  const gauge = (name: string, help: string, key: string): void => {
    m.gauge({ name: `murmur_chunks_${name}`, help, read: () => storage(key) });
  };
  gauge('stored_bytes', 'Bytes of chunk data stored', 'usedBytes');
  gauge('stored_chunks', 'Chunks stored', 'chunks');
  gauge('capacity_bytes', 'Capacity of the chunk store in bytes (0 = unlimited)', 'capacityBytes');
  gauge('pinned_chunks', 'Chunks pinned (never evicted)', 'pinnedChunks');
  gauge(
    'over_capacity',
    '1 when over capacity with nothing left to evict (everything pinned)',
    'overCapacity',
  );
  const gcCounter = (name: string, help: string, key: string): void => {
    m.counter({ name: `murmur_chunks_${name}_total`, help, read: () => storage(key) });
  };
  gcCounter('evicted', 'Chunks evicted over capacity', 'evictedChunks');
  gcCounter(
    'compaction_reclaimed_bytes',
    'Bytes of segment files given back by compaction',
    'reclaimedBytes',
  );
  gcCounter('segments_compacted', 'Segment files compacted (rewritten or deleted)', 'segmentsCompacted');
  m.gauge({
    name: 'murmur_chunks_bin_cursor',
    help: 'Highest bin ID per proximity bin of the local store',
    labelNames: ['bin'],
    read: () => {
      const cursors = (service.status().cursors as string[] | undefined) ?? [];
      return cursors.flatMap((c, bin) => (c === '0' ? [] : [[{ bin: String(bin) }, Number(c)] as const]));
    },
  });
}
