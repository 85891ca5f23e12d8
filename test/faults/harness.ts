/**
 * One fault run: N real `murmur start` processes on the hosts of a LAN of network namespaces, a
 * tree whose root key the harness holds (every node joins it; each node's key is granted
 * `/n<i>/**` and `/shared/**`), one journal per node, then the workload (./workload.ts) while the
 * seeded schedule's faults (./schedule.ts, ./faults.ts) come and go; then everything is healed,
 * the nodes are awaited until they agree, and the checker (./checker.ts) compares them with the
 * history. Used by `npm run faults` (./run.ts) and test/netns/faults.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPairToJson } from '../../src/tree/keyfile.ts';
import { generateKeyPair } from '../../src/tree/keys.ts';
import { createLan, type Lan } from '../helpers/netns.ts';
import { type CheckResult, check, waitForAgreement } from './checker.ts';
import { FaultNode, sleep, startForwarders } from './cluster.ts';
import { FaultInjector } from './faults.ts';
import { Monitor } from './monitor.ts';
import { describeFault, type Fault, type FaultKind, makeSchedule } from './schedule.ts';
import { History, type Op, type OpKind, Workload, type WorkloadSetup } from './workload.ts';

export interface FaultRunOptions {
  nodes: number;
  seed: number;
  durationMs: number;
  kinds: readonly FaultKind[];
  clients?: number;
  pauseMs?: [number, number];
  maxFileBytes?: number;
  /** How long the nodes may take to agree after the last heal. */
  convergeTimeoutMs?: number;
  /** Size of each data folder's tmpfs when the `disk` fault is in the kinds (default 512 MiB). */
  tmpfsMiB?: number;
  /** Keep the data folders and logs (they are kept anyway when the check fails). */
  keep?: boolean;
  say?: (line: string) => void;
}

export interface FaultRunResult {
  seed: number;
  nodes: number;
  durationMs: number;
  kinds: FaultKind[];
  schedule: Fault[];
  faults: Record<string, number>;
  faultErrors: string[];
  writes: Record<OpKind, { ok: number; fail: number; unknown: number }>;
  lost: number;
  lostByKind: CheckResult['lost'];
  converged: boolean;
  convergeMs: number;
  notConverged?: string;
  check: CheckResult;
  strikes: { total: number; byKind: Record<string, number> };
  purgatoryEntries: { node: string; peer: string; reason?: string }[];
  honestInPurgatory: number;
  peakRssMiB: Record<string, number>;
  incarnations: Record<string, number>;
  dataDir?: string;
  /** Every operation of the workload with its outcome (what the checker judged). */
  history: Op[];
  ok: boolean;
  firstDisagreement?: string;
  wallMs: number;
}

const OP_KINDS: OpKind[] = ['kv-put', 'kv-del', 'journal', 'file', 'grant', 'revoke'];

async function setupTree(nodes: FaultNode[], say: (l: string) => void): Promise<WorkloadSetup> {
  const root = keyPairToJson(generateKeyPair());
  const nodeKeys: string[] = [];
  const journals: string[] = [];
  for (const n of nodes) {
    const j = await n.api.call('POST', '/v1/trees', { body: { root: root.publicKey, use: true } });
    if (j.status !== 200) throw new Error(`${n.name}: join failed: ${JSON.stringify(j.body)}`);
    const t = await n.api.call<{ nodeKey: string }>('GET', '/v1/trees');
    nodeKeys.push(t.body.nodeKey);
    const c = await n.api.call<{ id: string }>('POST', '/v1/journals', { body: { name: 'faults' } });
    if (c.status !== 200) throw new Error(`${n.name}: journal create failed: ${JSON.stringify(c.body)}`);
    journals.push(c.body.id);
  }
  const n0 = nodes[0]!;
  for (const n of nodes) {
    for (const pattern of [`/n${n.index}/**`, '/shared/**']) {
      const g = await n0.api.call('POST', `/v1/trees/${root.publicKey}/grants`, {
        body: { to: nodeKeys[n.index], pattern, key: root },
      });
      if (g.status !== 200) throw new Error(`grant for ${n.name} failed: ${JSON.stringify(g.body)}`);
    }
  }
  say(`tree ${root.publicKey.slice(0, 12)}… joined by ${nodes.length} nodes, ${2 * nodes.length} grants`);
  return { root, nodeKeys, journals };
}

async function waitForPeers(nodes: FaultNode[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let counts: number[] = [];
  while (Date.now() < deadline) {
    counts = await Promise.all(
      nodes.map(async (n) => {
        const p = await n.api
          .call<{ peers: unknown[] }>('GET', '/v1/peers?state=active')
          .catch(() => undefined);
        return p?.status === 200 ? p.body.peers.length : 0;
      }),
    );
    if (counts.every((c) => c >= nodes.length - 1)) return counts;
    await sleep(500);
  }
  return counts;
}

export async function runFaults(o: FaultRunOptions): Promise<FaultRunResult> {
  const t0 = Date.now();
  const say = o.say ?? (() => {});
  const schedule = makeSchedule({ seed: o.seed, nodes: o.nodes, durationMs: o.durationMs, kinds: o.kinds });
  say(
    `seed ${o.seed}: ${o.nodes} nodes, ${(o.durationMs / 1000).toFixed(0)} s of faults (${o.kinds.join(', ')})`,
  );
  for (const f of schedule) say(`  ${describeFault(f)}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'murmur-faults-'));
  let lan: Lan | undefined;
  const nodes: FaultNode[] = [];
  let keep = o.keep === true;
  try {
    lan = await createLan({ hosts: o.nodes, name: 'faults', ipv4: true });
    for (const h of lan.hosts) nodes.push(new FaultNode(h.index, h, dataDir));
    if (o.kinds.includes('disk')) for (const n of nodes) await n.mountTmpfs(o.tmpfsMiB ?? 512);
    await startForwarders(nodes);
    await nodes[0]!.start([]);
    await Promise.all(nodes.slice(1).map((n) => n.start([nodes[0]!.addr])));
    const peers = await waitForPeers(nodes, 60_000);
    say(`${o.nodes} nodes up, active peers ${peers.join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const setup = await setupTree(nodes, say);
    const initial = await waitForAgreement(nodes, setup, 60_000);
    if (!initial.converged) throw new Error(`the nodes did not agree before the faults: ${initial.last}`);

    const history = new History();
    const injector = new FaultInjector(lan, nodes, say);
    const monitor = new Monitor(nodes);
    monitor.start();
    const stopWork = new AbortController();
    const workload = new Workload({
      nodes,
      setup,
      history,
      seed: o.seed,
      clients: o.clients ?? Math.min(6, Math.max(2, Math.ceil(o.nodes / 2))),
      pauseMs: o.pauseMs ?? [50, 250],
      maxFileBytes: o.maxFileBytes ?? 256 * 1024,
      signal: stopWork.signal,
    });
    const work = workload.run();
    const phase0 = Date.now();
    const stopFaults = new AbortController();
    const running = schedule.map(async (f) => {
      const wait = f.atMs - (Date.now() - phase0);
      if (wait > 0) await sleep(wait);
      if (!stopFaults.signal.aborted) await injector.run(f, stopFaults.signal);
    });
    await sleep(o.durationMs);
    // the end: faults still held are healed now, while the workload stops
    stopFaults.abort();
    stopWork.abort();
    await Promise.all(running);
    await work;
    await injector.healAll();
    say(`faults over: ${history.ops.length} operations; waiting for agreement`);
    const conv = await waitForAgreement(nodes, setup, o.convergeTimeoutMs ?? 180_000);
    const convergeMs = Date.now() - injector.lastHealAt;
    say(
      conv.converged
        ? `agreed ${(convergeMs / 1000).toFixed(1)} s after the last heal`
        : `no agreement: ${conv.last}`,
    );
    const result = await check(nodes, history, setup);
    await monitor.stop();

    const writes = Object.fromEntries(
      OP_KINDS.map((k) => [
        k,
        { ok: history.count(k, 'ok'), fail: history.count(k, 'fail'), unknown: history.count(k, 'unknown') },
      ]),
    ) as FaultRunResult['writes'];
    const lost = Object.values(result.lost).reduce((a, b) => a + b, 0);
    const ok = conv.converged && result.ok;
    if (!ok) keep = true;
    const first = !conv.converged
      ? `no agreement ${((o.convergeTimeoutMs ?? 180_000) / 1000).toFixed(0)} s after the last heal: ${conv.last}`
      : result.disagreements[0] === undefined
        ? undefined
        : `${result.disagreements[0].check}${result.disagreements[0].node ? ` on ${result.disagreements[0].node}` : ''}: ${result.disagreements[0].detail}`;
    return {
      seed: o.seed,
      nodes: o.nodes,
      durationMs: o.durationMs,
      kinds: [...o.kinds],
      schedule,
      faults: Object.fromEntries(injector.counts),
      faultErrors: injector.log.filter((e) => e.error).map((e) => `${describeFault(e.fault)}: ${e.error}`),
      writes,
      lost,
      lostByKind: result.lost,
      converged: conv.converged,
      convergeMs,
      ...(conv.last === undefined || conv.converged ? {} : { notConverged: conv.last }),
      check: result,
      strikes: monitor.strikes(),
      purgatoryEntries: monitor.purgatoryEntries(),
      honestInPurgatory: result.purgatory.length,
      peakRssMiB: Object.fromEntries(nodes.map((n) => [n.name, Math.round(n.peakRssKiB / 1024)])),
      incarnations: Object.fromEntries(nodes.map((n) => [n.name, n.incarnations])),
      ...(keep ? { dataDir } : {}),
      history: history.ops,
      ok,
      ...(first === undefined ? {} : { firstDisagreement: first }),
      wallMs: Date.now() - t0,
    };
  } catch (e) {
    keep = true;
    (e as Error).message += ` (seed ${o.seed}; logs in ${dataDir})`;
    throw e;
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await lan?.destroy();
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  }
}
