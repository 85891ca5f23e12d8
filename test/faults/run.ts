/**
 * `npm run faults [-- --nodes N] [--seed S] [--minutes M] [--kinds a,b] [--json FILE] [--converge S] [--keep]`:
 * one fault run on real processes in network namespaces (root; see docs/TESTING.md, "The fault
 * harness"). Prints the seed first (`--seed S` replays its schedule), the schedule, the report;
 * exit 1 when the checker found a disagreement (the report names the first), 2 on a usage error.
 */
import { writeFile } from 'node:fs/promises';
import { netnsAvailable } from '../helpers/netns.ts';
import { runFaults } from './harness.ts';
import { formatReport } from './report.ts';
import { FAULT_KINDS, type FaultKind } from './schedule.ts';

/** The kinds run when --kinds is not given. */
export const DEFAULT_KINDS: FaultKind[] = ['kill', 'term', 'stop', 'partition', 'loss', 'clock', 'disk'];

function usage(msg: string): never {
  console.error(`faults: ${msg}`);
  console.error(
    'usage: npm run faults -- [--nodes 10] [--seed S] [--minutes 2] [--kinds kill,term,…] [--json FILE] [--converge 180] [--keep]',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const opts: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--keep') opts.keep = '1';
  else if (/^--(nodes|seed|minutes|kinds|json|converge)$/.test(a) && args[i + 1] !== undefined)
    opts[a.slice(2)] = args[++i]!;
  else usage(`unknown argument ${a}`);
}
const nodes = Number(opts.nodes ?? 10);
const seed = opts.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(opts.seed);
const minutes = Number(opts.minutes ?? 2);
const convergeS = Number(opts.converge ?? 180);
const kinds = (opts.kinds?.split(',') ?? DEFAULT_KINDS) as FaultKind[];
if (!Number.isInteger(nodes) || nodes < 2 || nodes > 50) usage('--nodes is 2..50');
if (!Number.isInteger(seed) || seed < 0) usage('--seed is a non-negative integer');
if (!(minutes > 0)) usage('--minutes is a positive number');
if (!(convergeS > 0)) usage('--converge is a positive number of seconds');
for (const k of kinds)
  if (!FAULT_KINDS.includes(k)) usage(`unknown fault kind ${k} (${FAULT_KINDS.join(', ')})`);
const avail = netnsAvailable();
if (!avail.ok) usage(`network namespaces unavailable: ${avail.reason}`);

console.log(`seed ${seed}`);
const t0 = Date.now();
const say = (line: string): void =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}] ${line}`);
const result = await runFaults({
  nodes,
  seed,
  durationMs: Math.round(minutes * 60_000),
  kinds,
  keep: opts.keep === '1',
  convergeTimeoutMs: convergeS * 1000,
  say,
});
console.log(formatReport(result));
if (opts.json) await writeFile(opts.json, `${JSON.stringify(result, null, 2)}\n`);
process.exit(result.ok ? 0 : 1);
