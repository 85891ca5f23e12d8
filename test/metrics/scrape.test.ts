import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ScrapeMetrics } from '../../src/metrics/scrape.ts';

async function values(registry: Registry, name: string): Promise<{ labels: object; value: number }[]> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `${name} registered`);
  const got = await metric.get();
  return got.values.map((v) => ({ labels: v.labels, value: v.value }));
}

test('a scrape-time counter reports the source total at each scrape, 0 while the source is absent', async () => {
  const registry = new Registry();
  let source: { n: number } | undefined;
  new ScrapeMetrics(registry).counter({ name: 'murmur_x_total', help: 'x', read: () => source?.n });
  assert.deepEqual(await values(registry, 'murmur_x_total'), [{ labels: {}, value: 0 }]);
  source = { n: 5 };
  assert.deepEqual(await values(registry, 'murmur_x_total'), [{ labels: {}, value: 5 }]);
  source.n = 7;
  assert.deepEqual(await values(registry, 'murmur_x_total'), [{ labels: {}, value: 7 }]);
});

test('labelled series follow the source: a series the source no longer has disappears', async () => {
  const registry = new Registry();
  const lag = new Map([
    ['a', 3],
    ['b', 4],
  ]);
  new ScrapeMetrics(registry).gauge({
    name: 'murmur_x_lag',
    help: 'x',
    labelNames: ['journal'],
    read: () => [...lag].map(([journal, v]) => [{ journal }, v] as const),
  });
  assert.deepEqual(await values(registry, 'murmur_x_lag'), [
    { labels: { journal: 'a' }, value: 3 },
    { labels: { journal: 'b' }, value: 4 },
  ]);
  lag.delete('a');
  assert.deepEqual(await values(registry, 'murmur_x_lag'), [{ labels: { journal: 'b' }, value: 4 }]);
});

test('an unlabelled gauge reads 0 while its source is absent, then its value', async () => {
  const registry = new Registry();
  let size: number | undefined;
  new ScrapeMetrics(registry).gauge({ name: 'murmur_x_pending', help: 'x', read: () => size });
  assert.deepEqual(await values(registry, 'murmur_x_pending'), [{ labels: {}, value: 0 }]);
  size = 9;
  assert.deepEqual(await values(registry, 'murmur_x_pending'), [{ labels: {}, value: 9 }]);
});

test('registering the same name twice on a registry keeps the first and does not throw', async () => {
  const registry = new Registry();
  const m = new ScrapeMetrics(registry);
  m.counter({ name: 'murmur_x_total', help: 'x', read: () => 1 });
  m.counter({ name: 'murmur_x_total', help: 'x', read: () => 2 });
  assert.equal(m.has('murmur_x_total'), true);
  assert.deepEqual(await values(registry, 'murmur_x_total'), [{ labels: {}, value: 1 }]);
  // another registry (another node in the same process) gets its own
  const other = new Registry();
  new ScrapeMetrics(other).counter({ name: 'murmur_x_total', help: 'x', read: () => 2 });
  assert.deepEqual(await values(other, 'murmur_x_total'), [{ labels: {}, value: 2 }]);
});
