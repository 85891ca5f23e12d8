import { Counter, Gauge, type Registry } from 'prom-client';

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
