/**
 * p2ptbl gossip efficiency: rows carried per datagram (budget = one 1232-byte HBBP datagram, and the
 * 500-byte cron default) against the limit, which is the budget divided by the compressed size per row
 * of the whole table (gzip of all rows at once, where the dictionary is at its best).
 *
 *   npx node bench/p2ptbl-gossip.ts
 */
import { pathToFileURL } from 'node:url';
import {
  gossipKey,
  gzipRows,
  normalizeRows,
  payloadBudget,
  type Row,
  selectGossip,
} from '../src/p2ptbl/index.ts';

const SAMPLES = 40;

function table(n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      key: `node-${i.toString(16).padStart(6, '0')}`,
      version: 4_294_967_296n + BigInt(Math.floor(Math.random() * 2 ** 40)),
      value: `fe80::${Math.floor(Math.random() * 65536).toString(16)}\t${['up', 'down'][i % 2]}`,
    });
  }
  return normalizeRows(rows);
}

export async function run(): Promise<Record<string, unknown>> {
  const rows = table(10_000);
  const key = gossipKey('/tmp/p2ptbl/nodes');
  const perRowAll = gzipRows(rows).length / rows.length;
  const rawPerRow =
    rows.reduce((s, r) => s + r.key.length + String(r.version).length + (r.value?.length ?? 0) + 3, 0) /
    rows.length;
  const out: Record<string, unknown> = {
    table_rows: rows.length,
    raw_bytes_per_row: +rawPerRow.toFixed(1),
    gzip_all_bytes_per_row: +perRowAll.toFixed(2),
  };
  for (const size of [1232, 500]) {
    const budget = payloadBudget(size, key);
    let carried = 0;
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < SAMPLES; i++) {
      const sel = selectGossip(rows, budget);
      carried += sel?.rows.length ?? 0;
      bytes += sel?.payload.length ?? 0;
    }
    const ms = (performance.now() - t0) / SAMPLES;
    const avg = carried / SAMPLES;
    const limit = budget / perRowAll;
    out[`budget_${size}_payload_bytes`] = budget;
    out[`budget_${size}_rows_per_datagram`] = +avg.toFixed(1);
    out[`budget_${size}_limit_rows`] = +limit.toFixed(1);
    out[`budget_${size}_efficiency`] = +(avg / limit).toFixed(2);
    out[`budget_${size}_fill`] = +(bytes / SAMPLES / budget).toFixed(3);
    out[`budget_${size}_select_ms`] = +ms.toFixed(2);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await run());
}
