/**
 * p2ptbl gossip convergence on real hosts (Linux network namespaces on one bridge, real `hbbp listen`
 * + `p2ptbl-recv` handlers, real `p2ptbl gossip T 500 eth0` rounds): rounds and seconds until every
 * table file is byte-identical, for 4 and 8 hosts at 0 % and 20 % loss. Needs root, ip and nft;
 * otherwise it reports why it was skipped. Seconds are dominated by process start-up of the commands
 * (one gossip per host and one handler per received datagram each round), not by the network.
 *
 *   npx node bench/p2ptbl-convergence-lan.ts        # prints a table
 *   npm run bench -- p2ptbl-convergence-lan          # through the runner (bench/results/latest.json)
 */
import { netnsAvailable } from '../test/helpers/netns.ts';
import { createGossipLan, populate } from '../test/helpers/netns-p2ptbl.ts';

const BUDGET = 500;
const ROWS_PER_HOST = 16;
const MAX_ROUNDS = 100;
const CASES = [
  { hosts: 4, loss: 0 },
  { hosts: 4, loss: 20 },
  { hosts: 8, loss: 0 },
  { hosts: 8, loss: 20 },
] as const;

interface Row {
  hosts: number;
  lossPercent: number;
  rows: number;
  identical: boolean;
  rounds: number;
  seconds: number;
}

export async function run(): Promise<Record<string, unknown>> {
  const avail = netnsAvailable();
  if (!avail.ok) return { skipped: avail.reason };
  const results: Row[] = [];
  for (const hosts of [...new Set(CASES.map((c) => c.hosts))]) {
    const cases = CASES.filter((c) => c.hosts === hosts);
    const g = await createGossipLan({
      hosts,
      tables: cases.map((c) => `loss${c.loss}`),
      name: `bench${hosts}`,
    });
    try {
      for (const c of cases) {
        const table = `loss${c.loss}`;
        for (let i = 0; i < hosts; i++) await g.lan.setLoss(i, c.loss);
        await populate(g, table, ROWS_PER_HOST);
        const r = await g.converge(table, { budget: BUDGET, maxRounds: MAX_ROUNDS });
        results.push({
          hosts,
          lossPercent: c.loss,
          rows: hosts * (ROWS_PER_HOST + 1) + 1,
          identical: r.identical,
          rounds: r.rounds,
          seconds: Math.round(r.ms / 100) / 10,
        });
      }
    } finally {
      await g.destroy();
    }
  }
  return { budgetBytes: BUDGET, maxRounds: MAX_ROUNDS, results };
}

if (import.meta.main) {
  const out = await run();
  if ('skipped' in out) console.log(`skipped: ${String(out.skipped)}`);
  else console.table(out.results);
}
