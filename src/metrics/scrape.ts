import { Counter, Gauge, Histogram, type HistogramConfiguration, type Registry } from 'prom-client';

/** One series' labels and value, for a labelled scrape-time metric. */
export type LabelledValue<L extends string> = readonly [labels: Partial<Record<L, string>>, value: number];

/**
 * What a scrape-time metric reads: a number, nothing (the source is not there yet: the series reads
 * 0, or no series for a labelled metric), or labelled values.
 */
export type ScrapeRead<L extends string> = () => number | undefined | Iterable<LabelledValue<L>>;

export interface ScrapeMetric<L extends string = never> {
  /** Full name, `murmur_<service>_…` (counters end in `_total`). */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  /** Called at every scrape; a service's counters are read where they live, never copied. */
  readonly read: ScrapeRead<L>;
}

/**
 * Metrics a service reads from its own state at scrape time, registered once per registry (a service
 * restarted in the same node, or two nodes sharing nothing, each find theirs). Counters report the
 * source's running total (monotonic as long as the source is), gauges its current value.
 */
export class ScrapeMetrics {
  readonly #registry: Registry;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** True when `name` is already registered (a second registration is skipped). */
  has(name: string): boolean {
    return this.#registry.getSingleMetric(name) !== undefined;
  }

  counter<L extends string = never>(metric: ScrapeMetric<L>): void {
    if (this.has(metric.name)) return;
    new Counter<L>({
      name: metric.name,
      help: metric.help,
      labelNames: metric.labelNames ?? [],
      registers: [this.#registry],
      collect() {
        this.reset();
        apply(metric.read(), (labels, v) => {
          if (labels === undefined) this.inc(v);
          else this.inc(labels, v);
        });
      },
    });
  }

  gauge<L extends string = never>(metric: ScrapeMetric<L>): void {
    if (this.has(metric.name)) return;
    const labelled = (metric.labelNames?.length ?? 0) > 0;
    new Gauge<L>({
      name: metric.name,
      help: metric.help,
      labelNames: metric.labelNames ?? [],
      registers: [this.#registry],
      collect() {
        if (labelled) this.reset();
        const value = metric.read();
        if (value === undefined && !labelled) this.set(0);
        apply(value, (labels, v) => {
          if (labels === undefined) this.set(v);
          else this.set(labels, v);
        });
      },
    });
  }
}

function apply<L extends string>(
  value: number | undefined | Iterable<LabelledValue<L>>,
  put: (labels: Partial<Record<L, string>> | undefined, v: number) => void,
): void {
  if (value === undefined) return;
  if (typeof value === 'number') put(undefined, value);
  else for (const [labels, v] of value) put(labels, v);
}

/** Latency buckets in seconds, 1 ms to 1 min (syncs, requests). */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The histogram of this name on the registry, made on first use (a service restarted in the same
 * node keeps observing into the same series).
 */
export function sharedHistogram<L extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing !== undefined) return existing as Histogram<L>;
  return new Histogram<L>({ buckets: LATENCY_BUCKETS, ...config, registers: [registry] });
}
