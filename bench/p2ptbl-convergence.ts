/**
 * p2ptbl gossip convergence, simulated in one process: N hosts on one broadcast domain share a table
 * of ROWS rows, each row first known by one random host. Each round every host gossips the real
 * `selectGossip` payload of what it knows (budget 500 bytes, the cron default), and every other host
 * merges it (each datagram lost per receiver with the given probability). Rows do not change during
 * the run, so a host's table is tracked as the set of rows it holds (merge of immutable rows = union).
 * Reports rounds and datagrams until every host holds every row, against the lower bound
 * ceil(ROWS x compressed bytes per row / budget) datagrams (= that / N rounds, at least 1).
 *
 *   npx node bench/p2ptbl-convergence.ts      # `ROWS=n`, `HOSTS=10,100` to change the cases
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

const BUDGET = 500;
const MAX_ROUNDS = 500;

function makeRows(n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      key: `node-${i.toString(16).padStart(6, '0')}`,
      version: 4_294_967_296n + BigInt(Math.floor(Math.random() * 2 ** 40)),
      value: `fe80::${Math.floor(Math.random() * 65536).toString(16)}\tup`,
    });
  }
  return normalizeRows(rows);
}

interface Case {
  hosts: number;
  loss: number;
  rounds: number;
  datagrams: number;
  lower_bound_rounds: number;
  lower_bound_datagrams: number;
  converged: boolean;
}

function simulate(rows: Row[], hosts: number, loss: number, budget: number): Case {
  const index = new Map(rows.map((r, i) => [r.key, i]));
  const known: Set<number>[] = Array.from({ length: hosts }, () => new Set<number>());
  for (let i = 0; i < rows.length; i++) known[Math.floor(Math.random() * hosts)]?.add(i);
  const perRow = gzipRows(rows).length / rows.length;
  const lbDatagrams = Math.ceil((rows.length * perRow) / budget);
  let rounds = 0;
  let datagrams = 0;
  const done = () => known.every((s) => s.size === rows.length);
  while (!done() && rounds < MAX_ROUNDS) {
    rounds++;
    const sent: number[][] = [];
    for (let h = 0; h < hosts; h++) {
      const mine = [...(known[h] as Set<number>)].sort((x, y) => x - y).map((i) => rows[i] as Row);
      const sel = selectGossip(mine, budget);
      if (sel === undefined) {
        sent.push([]);
        continue;
      }
      datagrams++;
      sent.push(sel.rows.map((r) => index.get(r.key) as number));
    }
    for (let h = 0; h < hosts; h++) {
      const set = known[h] as Set<number>;
      for (let s = 0; s < hosts; s++) {
        if (s === h || (loss > 0 && Math.random() < loss)) continue;
        for (const i of sent[s] as number[]) set.add(i);
      }
    }
  }
  return {
    hosts,
    loss,
    rounds,
    datagrams,
    lower_bound_rounds: Math.max(1, Math.ceil(lbDatagrams / hosts)),
    lower_bound_datagrams: lbDatagrams,
    converged: done(),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const rows = makeRows(Number(process.env.ROWS ?? 1000));
  const budget = payloadBudget(BUDGET, gossipKey('/tmp/p2ptbl/nodes'));
  const hostCounts = (process.env.HOSTS ?? '10,100,1000').split(',').map(Number);
  const cases: Case[] = [];
  for (const hosts of hostCounts)
    for (const loss of [0, 0.2]) cases.push(simulate(rows, hosts, loss, budget));
  return { rows: rows.length, budget, cases };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(`rows ${r.rows}, budget ${r.budget} bytes`);
  console.table(r.cases);
}
