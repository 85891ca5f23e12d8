/**
 * p2ptbl gossip over real HBBP between network-namespace hosts (used by test/netns/p2ptbl-gossip.test.ts
 * and bench/p2ptbl-convergence-lan.ts). Each host gets its own folder:
 *
 *   <base>/h<i>/handlers/p2ptbl/<table>  → symlink to <repo>/bin/p2ptbl-recv (the HBBP handler)
 *   <base>/h<i>/tables/<table>           the host's table (P2PTBL_DIR = <base>/h<i>/tables)
 *
 * and runs `hbbp listen eth0 --handlers <base>/h<i>/handlers` in its namespace.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLan, type ExecOptions, type ExecResult, type Host, type Lan } from './netns.ts';
import { countProcessesIn } from './netns-exec.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const bin = (name: string): string => join(REPO, 'bin', name);
export const HBBP_PORT = 4950;
const OUTPUT_KEEP = 8192;
const READY_TIMEOUT_MS = 60_000;
const QUIET_TIMEOUT_MS = 60_000;

export interface TableHost {
  host: Host;
  /** <base>/h<i> */
  dir: string;
  handlers: string;
  tables: string;
  env: NodeJS.ProcessEnv;
  listener: ChildProcess;
  /** The listener's latest output (for failure messages). */
  output(): string;
  /** Datagrams the listener logged as accepted, and handler runs it logged as ended. */
  jobs: { received: number; finished: number };
}

export interface ConvergeResult {
  identical: boolean;
  rounds: number;
  ms: number;
  /** Empty when identical, else which rows each host lacks or has extra compared with host 0. */
  diff: string;
}

export interface GossipLan {
  lan: Lan;
  base: string;
  hosts: TableHost[];
  tablePath(host: number, table: string): string;
  /** `p2ptbl args…` on host i, with its P2PTBL_DIR. */
  p2ptbl(host: number, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like p2ptbl() but throws on a non-zero exit. */
  p2ptblOk(host: number, args: readonly string[], opts?: ExecOptions): Promise<string>;
  /** One round: every host runs `p2ptbl gossip T budget eth0`, then waits until all handlers are done. */
  round(table: string, budget: number): Promise<void>;
  /** Waits until no host runs anything but its listener (handlers finished). */
  quiet(): Promise<void>;
  compare(table: string): Promise<{ identical: boolean; diff: string }>;
  /** Rounds until every table file is byte-identical, at most maxRounds. */
  converge(table: string, opts: { budget: number; maxRounds: number }): Promise<ConvergeResult>;
  destroy(): Promise<void>;
}

export async function createGossipLan(opts: {
  hosts: number;
  tables: readonly string[];
  name?: string;
}): Promise<GossipLan> {
  const lan = await createLan({ hosts: opts.hosts, name: opts.name ?? 'gossip' });
  const base = await mkdtemp(join(tmpdir(), 'murmur-netns-'));
  const hosts: TableHost[] = [];
  try {
    for (const host of lan.hosts) hosts.push(await setupHost(host, base, opts.tables));
    await Promise.all(hosts.map((h) => waitListening(h)));
  } catch (e) {
    await lan.destroy();
    await rm(base, { recursive: true, force: true });
    throw e;
  }
  return new GossipLanImpl(lan, base, hosts);
}

async function setupHost(host: Host, base: string, tables: readonly string[]): Promise<TableHost> {
  const dir = join(base, `h${host.index}`);
  const handlers = join(dir, 'handlers');
  const tablesDir = join(dir, 'tables');
  await mkdir(join(handlers, 'p2ptbl'), { recursive: true });
  await mkdir(tablesDir, { recursive: true });
  for (const t of tables) await symlink(bin('p2ptbl-recv'), join(handlers, 'p2ptbl', t));
  const env = { ...process.env, P2PTBL_DIR: tablesDir };
  const listener = host.spawn(bin('hbbp'), ['listen', host.iface, '--handlers', handlers], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  const jobs = { received: 0, finished: 0 };
  const keep = (d: Buffer): void => {
    const text = d.toString('utf8');
    out = (out + text).slice(-OUTPUT_KEEP);
  };
  // The listener logs `recv key=…` per accepted datagram and `handler key=…` when its handler ends.
  listener.stderr?.on('data', (d: Buffer) => {
    keep(d);
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (l.startsWith('hbbp: recv key=')) jobs.received++;
      else if (l.startsWith('hbbp: handler key=')) jobs.finished++;
    }
  });
  listener.stdout?.on('data', keep);
  return { host, dir, handlers, tables: tablesDir, env, listener, output: () => out, jobs };
}

/** Polls `ss` in the host until a UDP socket is bound to the HBBP port. */
async function waitListening(h: TableHost): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (h.listener.exitCode !== null) {
      throw new Error(
        `hbbp listen on host ${h.host.index} exited with ${h.listener.exitCode}: ${h.output()}`,
      );
    }
    const r = await h.host.exec('ss', ['-Huln', `sport = :${HBBP_PORT}`]);
    if (r.stdout.trim() !== '') return;
    if (Date.now() > deadline)
      throw new Error(`hbbp listen on host ${h.host.index} not bound: ${h.output()}`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class GossipLanImpl implements GossipLan {
  readonly lan: Lan;
  readonly base: string;
  readonly hosts: TableHost[];

  constructor(lan: Lan, base: string, hosts: TableHost[]) {
    this.lan = lan;
    this.base = base;
    this.hosts = hosts;
  }

  #h(i: number): TableHost {
    const h = this.hosts[i];
    if (h === undefined) throw new RangeError(`no host ${i}`);
    return h;
  }

  tablePath(host: number, table: string): string {
    return join(this.#h(host).tables, table);
  }

  p2ptbl(host: number, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const h = this.#h(host);
    return h.host.exec(bin('p2ptbl'), args, { env: h.env, ...opts });
  }

  async p2ptblOk(host: number, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.p2ptbl(host, args, opts);
    if (r.code !== 0)
      throw new Error(`host ${host}: p2ptbl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async round(table: string, budget: number): Promise<void> {
    const results = await Promise.all(
      this.hosts.map((h) =>
        this.p2ptbl(h.host.index, [
          'gossip',
          this.tablePath(h.host.index, table),
          String(budget),
          h.host.iface,
        ]),
      ),
    );
    results.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`host ${i}: p2ptbl gossip exited ${r.code}: ${r.stderr.trim()}`);
    });
    await this.quiet();
  }

  async quiet(): Promise<void> {
    const deadline = Date.now() + QUIET_TIMEOUT_MS;
    let calm = 0;
    await sleep(50); // datagrams in flight reach the listeners
    while (calm < 4) {
      const counts = await countProcessesIn(this.hosts.map((h) => h.host.ns));
      // The listener is one process (the launchers exec); anything more is a handler still running.
      // Its log also tells accepted datagrams whose handler has not ended (under load, not started yet).
      const idle = counts.every((c) => c <= 1) && this.hosts.every((h) => h.jobs.finished >= h.jobs.received);
      calm = idle ? calm + 1 : 0;
      if (Date.now() > deadline)
        throw new Error(`handlers still running after ${QUIET_TIMEOUT_MS} ms: ${counts}`);
      if (calm < 4) await sleep(25);
    }
  }

  async compare(table: string): Promise<{ identical: boolean; diff: string }> {
    const files = await Promise.all(
      this.hosts.map((h) => readFile(this.tablePath(h.host.index, table)).catch(() => Buffer.alloc(0))),
    );
    const ref = files[0] ?? Buffer.alloc(0);
    if (files.every((f) => f.equals(ref))) return { identical: true, diff: '' };
    const refRows = new Set(ref.toString('utf8').split('\n'));
    const lines: string[] = [];
    files.forEach((f, i) => {
      if (i === 0 || f.equals(ref)) return;
      const rows = new Set(f.toString('utf8').split('\n'));
      const missing = [...refRows].filter((r) => !rows.has(r));
      const extra = [...rows].filter((r) => !refRows.has(r));
      lines.push(`host ${i} vs host 0: missing ${JSON.stringify(missing)} extra ${JSON.stringify(extra)}`);
    });
    return { identical: false, diff: lines.join('\n') };
  }

  async converge(table: string, opts: { budget: number; maxRounds: number }): Promise<ConvergeResult> {
    const start = performance.now();
    let last = await this.compare(table);
    let rounds = 0;
    while (!last.identical && rounds < opts.maxRounds) {
      await this.round(table, opts.budget);
      rounds++;
      last = await this.compare(table);
    }
    return { ...last, rounds, ms: Math.round(performance.now() - start) };
  }

  async destroy(): Promise<void> {
    await this.lan.destroy();
    await rm(this.base, { recursive: true, force: true });
  }
}

/**
 * Fills `table` on every host: `rowsPerHost` rows of its own (keys h<i>-k<j>, random hex values of
 * `valueBytes` bytes, incompressible so a 500-byte gossip carries only a dozen rows or so) merged
 * from a file, then two `p2ptbl update`s: `own-<i>` (two value columns) and `shared` (the same key on
 * every host, so versions compete).
 */
export async function populate(
  g: GossipLan,
  table: string,
  rowsPerHost: number,
  valueBytes = 24,
): Promise<void> {
  await Promise.all(
    g.hosts.map(async (h) => {
      const i = h.host.index;
      const t = g.tablePath(i, table);
      await g.p2ptblOk(i, ['init', t]);
      const rows = Array.from(
        { length: rowsPerHost },
        (_, j) => `h${i}-k${j}\t${1000 + j}\t${randomBytes(valueBytes).toString('hex')}\n`,
      );
      const file = join(h.dir, `${table}.rows`);
      await writeFile(file, rows.join(''));
      await g.p2ptblOk(i, ['merge', t, file]);
      await g.p2ptblOk(i, ['update', t, 'shared', `from-h${i}`]);
      await g.p2ptblOk(i, ['update', t, `own-${i}`, `value of h${i}`, 'with\ttab']);
    }),
  );
}
