/**
 * p2ptbl merge throughput: two 100,000-row tables (half the keys shared, with differing versions),
 * merged through `Table.mergeFile` (parse, join, format, atomic write under the lock) and in memory
 * only, next to `sort -m | gzip` and the original tool's style of merge (`sort -m | sort -u`) over the
 * same files as references.
 *
 *   npx node bench/p2ptbl-merge.ts     # prints a table; `ROWS=n` sets the table size
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatTable, mergeRows, normalizeRows, parseTable, type Row, Table } from '../src/p2ptbl/index.ts';

function table(n: number, offset: number, seed: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const k = i + offset;
    rows.push({
      key: `node-${k.toString(16).padStart(8, '0')}`,
      version: 4_294_967_296n * BigInt(1 + ((k * 7 + seed) % 13)) + BigInt(k),
      value: `fe80::${(k * 2654435761) % 65536}:${seed}\tup\t${k % 97}`,
    });
  }
  return normalizeRows(rows);
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.ROWS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'p2ptbl-bench-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, formatTable(table(n, 0, 1)), 'latin1');
    writeFileSync(b, formatTable(table(n, n / 2, 2)), 'latin1');
    const total = 2 * n;

    const textA = readFileSync(a, 'latin1');
    const textB = readFileSync(b, 'latin1');
    let merged = 0;
    const memory =
      timed(() => {
        merged = mergeRows(parseTable(textA).rows, parseTable(textB).rows).length;
        formatTable(mergeRows(parseTable(textA).rows, parseTable(textB).rows));
      }) / 2;

    const target = join(dir, 't');
    copyFileSync(a, target);
    const t0 = performance.now();
    await new Table(target).mergeFile(b);
    const file = (performance.now() - t0) / 1000;
    // The same without marking the changed rows hot (no T.hot sidecar written): its cost.
    const cold = join(dir, 'c');
    copyFileSync(a, cold);
    const t1 = performance.now();
    await new Table(cold, { mergeHotSends: 0 }).mergeFile(b);
    const fileCold = (performance.now() - t1) / 1000;

    const sh = (cmd: string) =>
      timed(() => execFileSync('sh', ['-c', cmd], { env: { ...process.env, LC_ALL: 'C' } }));
    const sortGzip = sh(`sort -m '${a}' '${b}' | gzip -c > '${dir}/ref.gz'`);
    const sortU = sh(`sort -m -t '\t' -k1,1 -k2,2nr '${a}' '${b}' | sort -u -t '\t' -k1,1 > '${dir}/ref.u'`);

    const rate = (s: number) => Math.round(total / s);
    return {
      rows_in: total,
      rows_out: merged,
      murmur_in_memory_rows_per_s: rate(memory),
      murmur_file_merge_rows_per_s: rate(file),
      murmur_file_merge_no_hot_rows_per_s: rate(fileCold),
      ref_sort_m_gzip_rows_per_s: rate(sortGzip),
      ref_original_style_sort_u_rows_per_s: rate(sortU),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await run());
}
