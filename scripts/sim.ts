/**
 * One simulated murmur network in this process (memory bus, every timer on the virtual clock, the
 * same seed giving the same run):
 *   npm run sim -- --nodes N [--seed S] [--kinds overlay] [--loss P] [--json]
 * Prints the result (see SimRunResult in src/sim/run.ts) with wallS, cpuS and peakRssMiB; with
 * --json, one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { runSim } from '../src/sim/index.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    kinds: { type: 'string', default: 'overlay' },
    loss: { type: 'string', default: '0' },
    churn: { type: 'string', default: '0' },
    'max-virtual-s': { type: 'string', default: '1800' },
    json: { type: 'boolean', default: false },
  },
});
if (Number(values.churn) !== 0) {
  process.stderr.write('--churn is not simulated yet\n');
  process.exit(2);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result = await runSim({
  nodes: Number(values.nodes),
  seed: Number(values.seed),
  kinds: values.kinds.split(',').filter((k) => k.length > 0),
  loss: Number(values.loss),
  maxVirtualMs: Number(values['max-virtual-s']) * 1000,
});
const cpu = process.cpuUsage(cpu0);
const out = {
  ...result,
  wallS: Number(((performance.now() - t0) / 1000).toFixed(2)),
  cpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
};
if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
else for (const [k, v] of Object.entries(out)) process.stdout.write(`${k}: ${JSON.stringify(v)}\n`);
