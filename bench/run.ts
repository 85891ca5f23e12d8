/**
 * `npm run bench [-- NAME…]`: runs every bench/<name>.ts that exports `run()` (or those whose file name
 * contains one of the given words), prints each result as it comes, and writes them all, with the
 * machine and date, to bench/results/latest.json. Figures worth keeping go into bench/RESULTS.md.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Bench = { run: () => Promise<Record<string, unknown>> };

const here = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};
console.log(
  `murmur benchmarks — ${machine.date} — ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
);

const results: Record<string, unknown> = {};
let failed = 0;
for (const file of files) {
  const name = basename(file, '.ts');
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Partial<Bench>;
  if (typeof mod.run !== 'function') continue;
  console.log(`\n## ${name}`);
  const started = performance.now();
  try {
    const result = await mod.run();
    results[name] = result;
    console.log(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  } catch (err) {
    failed++;
    results[name] = { error: String(err) };
    console.error(`${name} failed:`, err);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'latest.json'),
  `${JSON.stringify({ machine, results }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
