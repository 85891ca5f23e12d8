/**
 * p2ptbl gossip convergence, simulated in one process, for both selection strategies: `uniform` (the
 * original: a random subset) and `hot` (rumor mongering: rows changed recently go first for K sends,
 * then the random subset). N hosts on one broadcast domain; each round every host gossips the real
 * `selectGossip` payload (budget 500 bytes, the cron default, hot rows ordered and cooled by the real
 * ./src/p2ptbl/hot.ts functions) and every other host merges it (each datagram lost per receiver with
 * the given probability). A merge that changes a row makes it hot on the receiver (K-1 sends), a
 * local update makes it hot for K sends, exactly as `Table` does.
 *
 * (a) distinct: ROWS rows, each first known by one random host (and hot there, as after `merge` or
 *     `update`). Rounds and datagrams until every host holds every row, against the lower bound
 *     ceil(ROWS x compressed bytes per row / budget) datagrams (= that / N rounds, at least 1).
 * (b) steady: every host holds the same ROWS rows, nothing hot; for UPDATE_ROUNDS rounds UPDATES
 *     random hosts update a random row before the round. Rounds until a fresh update reaches every
 *     host (1 = the next gossip round): mean, p95, max.
 *
 *   npx node bench/p2ptbl-convergence.ts   # env ROWS, HOSTS=10,100,1000, HOT_SENDS (K), SCENARIOS=a,b
 */
import { pathToFileURL } from 'node:url';
import {
  coolSent,
  DEFAULT_HOT_SENDS,
  gossipKey,
  gzipRows,
  type HotState,
  markHot,
  normalizeRows,
  payloadBudget,
  type Row,
  selectGossip,
  splitHot,
} from '../src/p2ptbl/index.ts';

const BUDGET = 500;
const MAX_ROUNDS = 500;
const UPDATES = 3;
const UPDATE_ROUNDS = Number(process.env.UPDATE_ROUNDS ?? 20);
const K = Number(process.env.HOT_SENDS ?? DEFAULT_HOT_SENDS);
const K_MERGE = Number(process.env.MERGE_HOT_SENDS ?? Math.max(0, K - 1));

type Strategy = 'uniform' | 'hot';

/** One variant per (key, generation); generation 0 = unknown. */
class Rows {
  readonly variants: Row[][] = [];
  constructor(n: number) {
    for (let i = 0; i < n; i++) this.variants.push([]);
    for (let i = 0; i < n; i++) this.bump(i);
  }
  bump(i: number): number {
    const v = this.variants[i] as Row[];
    v.push({
      key: `node-${i.toString(16).padStart(6, '0')}`,
      version: 4_294_967_296n * BigInt(v.length + 1) + BigInt(Math.floor(Math.random() * 2 ** 32)),
      value: `fe80::${Math.floor(Math.random() * 65536).toString(16)}\tup`,
    });
    return v.length;
  }
  row(i: number, gen: number): Row {
    return (this.variants[i] as Row[])[gen - 1] as Row;
  }
}

interface Host {
  gen: Int32Array; // per key: generation held (0 = none)
  hot: HotState;
}

class Sim {
  readonly hosts: Host[];
  readonly index: Map<string, number>;
  datagrams = 0;
  readonly rows: Rows;
  readonly strategy: Strategy;
  readonly loss: number;
  readonly budget: number;
  constructor(rows: Rows, n: number, strategy: Strategy, loss: number, budget: number) {
    this.rows = rows;
    this.strategy = strategy;
    this.loss = loss;
    this.budget = budget;
    this.hosts = Array.from({ length: n }, () => ({
      gen: new Int32Array(rows.variants.length),
      hot: new Map(),
    }));
    this.index = new Map(rows.variants.map((v, i) => [(v[0] as Row).key, i]));
  }
  /** A local change on host h (update): the row is hot there for K sends. */
  set(h: number, i: number, gen: number, sends: number): void {
    const host = this.hosts[h] as Host;
    host.gen[i] = gen;
    markHot(host.hot, [this.rows.row(i, gen).key], sends);
  }
  round(): void {
    const sent: [number, number][][] = [];
    for (const host of this.hosts) {
      const mine: Row[] = [];
      for (let i = 0; i < host.gen.length; i++) {
        const g = host.gen[i] as number;
        if (g > 0) mine.push(this.rows.row(i, g));
      }
      let sel: ReturnType<typeof selectGossip>;
      if (this.strategy === 'uniform' || host.hot.size === 0) sel = selectGossip(mine, this.budget);
      else {
        const { hot, rest } = splitHot(mine, host.hot);
        sel = selectGossip(rest, this.budget, { first: hot });
        if (sel) coolSent(host.hot, sel.rows, sel.oversizedRows);
      }
      if (sel === undefined) {
        sent.push([]);
        continue;
      }
      this.datagrams++;
      sent.push(
        sel.rows.map((r) => [this.index.get(r.key) as number, gen(host, this.index.get(r.key) as number)]),
      );
    }
    const n = this.hosts.length;
    for (let h = 0; h < n; h++) {
      const host = this.hosts[h] as Host;
      const changed: string[] = [];
      for (let s = 0; s < n; s++) {
        if (s === h || (this.loss > 0 && Math.random() < this.loss)) continue;
        for (const [i, g] of sent[s] as [number, number][]) {
          if (g > (host.gen[i] as number)) {
            host.gen[i] = g;
            changed.push(this.rows.row(i, g).key);
          }
        }
      }
      if (this.strategy === 'hot') markHot(host.hot, changed, K_MERGE);
    }
  }
  /** Whether every host holds generation >= gen of row i. */
  everywhere(i: number, g: number): boolean {
    return this.hosts.every((h) => (h.gen[i] as number) >= g);
  }
}

function gen(host: Host, i: number): number {
  return host.gen[i] as number;
}

interface DistinctCase {
  hosts: number;
  loss: number;
  strategy: Strategy;
  rounds: number;
  datagrams: number;
  lower_bound_rounds: number;
  lower_bound_datagrams: number;
  converged: boolean;
}

function distinct(
  rowCount: number,
  hosts: number,
  loss: number,
  strategy: Strategy,
  budget: number,
): DistinctCase {
  const rows = new Rows(rowCount);
  const sim = new Sim(rows, hosts, strategy, loss, budget);
  for (let i = 0; i < rowCount; i++)
    sim.set(Math.floor(Math.random() * hosts), i, 1, strategy === 'hot' ? K : 0);
  const all = normalizeRows(rows.variants.map((v) => v[0] as Row));
  const lbDatagrams = Math.ceil(gzipRows(all).length / budget);
  const done = () => sim.hosts.every((h) => h.gen.every((g) => g >= 1));
  let rounds = 0;
  while (!done() && rounds < MAX_ROUNDS) {
    sim.round();
    rounds++;
  }
  return {
    hosts,
    loss,
    strategy,
    rounds,
    datagrams: sim.datagrams,
    lower_bound_rounds: Math.max(1, Math.ceil(lbDatagrams / hosts)),
    lower_bound_datagrams: lbDatagrams,
    converged: done(),
  };
}

interface SteadyCase {
  hosts: number;
  loss: number;
  strategy: Strategy;
  updates: number;
  mean_rounds: number;
  p95_rounds: number;
  max_rounds: number;
  undelivered: number;
}

function steady(
  rowCount: number,
  hosts: number,
  loss: number,
  strategy: Strategy,
  budget: number,
): SteadyCase {
  const rows = new Rows(rowCount);
  const sim = new Sim(rows, hosts, strategy, loss, budget);
  for (const h of sim.hosts) h.gen.fill(1);
  const pending: { i: number; g: number; at: number }[] = [];
  const latencies: number[] = [];
  const cap = UPDATE_ROUNDS + MAX_ROUNDS / 5;
  for (let round = 1; round <= cap; round++) {
    if (round <= UPDATE_ROUNDS) {
      for (let u = 0; u < UPDATES; u++) {
        const h = Math.floor(Math.random() * hosts);
        const i = Math.floor(Math.random() * rowCount);
        const g = rows.bump(i);
        sim.set(h, i, g, strategy === 'hot' ? K : 0);
        pending.push({ i, g, at: round });
      }
    }
    sim.round();
    for (let p = pending.length - 1; p >= 0; p--) {
      const u = pending[p] as { i: number; g: number; at: number };
      // A later update of the same row supersedes this one: it has arrived when the newer one has.
      if (sim.everywhere(u.i, u.g)) {
        latencies.push(round - u.at + 1);
        pending.splice(p, 1);
      }
    }
    if (round >= UPDATE_ROUNDS && pending.length === 0) break;
  }
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    hosts,
    loss,
    strategy,
    updates: latencies.length + pending.length,
    mean_rounds: Math.round(mean * 10) / 10,
    p95_rounds: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
    max_rounds: latencies[latencies.length - 1] ?? 0,
    undelivered: pending.length,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const rowCount = Number(process.env.ROWS ?? 1000);
  const budget = payloadBudget(BUDGET, gossipKey('/tmp/p2ptbl/nodes'));
  const hostCounts = (process.env.HOSTS ?? '10,100,1000').split(',').map(Number);
  const scenarios = (process.env.SCENARIOS ?? 'a,b').split(',');
  const strategies: Strategy[] = ['uniform', 'hot'];
  const distinctCases: DistinctCase[] = [];
  const steadyCases: SteadyCase[] = [];
  for (const hosts of hostCounts)
    for (const loss of [0, 0.2])
      for (const s of strategies) {
        if (scenarios.includes('a')) distinctCases.push(distinct(rowCount, hosts, loss, s, budget));
        if (scenarios.includes('b')) steadyCases.push(steady(rowCount, hosts, loss, s, budget));
      }
  return {
    rows: rowCount,
    budget,
    hotSends: K,
    mergeHotSends: K_MERGE,
    distinct: distinctCases,
    steady: steadyCases,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(`rows ${r.rows}, budget ${r.budget} bytes, K ${r.hotSends} (merge ${r.mergeHotSends})`);
  console.log('(a) every host starts with distinct rows: rounds until all hold all');
  console.table(r.distinct);
  console.log(
    `(b) steady state, ${UPDATES} updates per round for ${UPDATE_ROUNDS} rounds: rounds until an update is everywhere`,
  );
  console.table(r.steady);
}
