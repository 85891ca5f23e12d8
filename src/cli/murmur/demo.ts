import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MurmurError } from '../../errors/index.ts';
import { KINDS as REGISTERED } from '../../kinds/index.ts';
import type { Logger } from '../../log/index.ts';
import type { NodeService } from '../../service/context.ts';
import type { DataKind } from '../../service/kind.ts';
import { action, reportError } from './common.ts';
import {
  DEMO_EVENTS,
  DEMO_KEY,
  type DemoNode,
  FileCheck,
  JournalCheck,
  type KindResult,
  KvCheck,
} from './demo-data.ts';
import { fmtMs, KIND_LABEL, type Kind, type LiveState, renderLive, renderSummary } from './demo-view.ts';
import { murmurCommand } from './start.ts';

interface DemoFlags {
  nodes: string;
  timeout: string;
  keep?: boolean;
  json?: boolean;
  logLevel: string;
}

export interface DemoOptions {
  nodes: number;
  timeoutMs: number;
  keep: boolean;
  /** Print only one JSON object (the summary) on stdout. */
  json?: boolean;
  logLevel: string;
  write: (text: string) => void;
  tty: boolean;
  signal?: AbortSignal;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start a small local network (real loopback TCP, separate data folders) and watch it and its data converge',
    )
    .option('--nodes <n>', 'number of nodes (2-20)', '5')
    .option('--timeout <seconds>', 'give up after this long', '60')
    .option('--keep', 'keep the nodes running after they converge (Ctrl-C stops them)')
    .option('--json', 'print only the summary, as JSON')
    .option('--log-level <level>', 'node log level (logs go to stderr)', 'silent')
    .action(
      action(async (flags: DemoFlags) => {
        const nodes = Number(flags.nodes);
        const timeout = Number(flags.timeout);
        if (!Number.isInteger(nodes) || nodes < 2 || nodes > 20) {
          throw new MurmurError('MURMUR_INVALID_ARGUMENT', '--nodes must be an integer from 2 to 20');
        }
        if (!(timeout > 0))
          throw new MurmurError('MURMUR_INVALID_ARGUMENT', '--timeout must be a positive number');
        const ac = new AbortController();
        const onSignal = (): void => ac.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await runDemo({
            nodes,
            timeoutMs: timeout * 1000,
            keep: flags.keep === true,
            json: flags.json === true,
            logLevel: flags.logLevel,
            write: (t) => process.stdout.write(t),
            tty: process.stdout.isTTY === true,
            signal: ac.signal,
          });
        } catch (err) {
          // with --json the summary is already on stdout: the failure goes to stderr, as text
          if (flags.json === true) reportError(err);
          else throw err;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        process.exit(process.exitCode ?? 0);
      }),
    );
}

/** What `runDemo` returns and `--json` prints. */
export interface DemoReport {
  converged: boolean;
  nodes: number;
  /** Temporary folder of the nodes' data (removed at the end). */
  dataRoot: string;
  /** Time from start to the end of the last check (ms). */
  totalMs: number;
  kinds: Record<Kind, KindResult> & Record<string, KindResult>;
}

const POLL_MS = 25;
const RENDER_MS = 250;

/**
 * Starts the nodes, shows the overlay then each data kind converging (a kv entry, a journal, a
 * file), prints a summary, cleans up. Throws MURMUR_DEMO_FAILED when a kind does not converge
 * before the timeout (after printing the summary).
 */
export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const root = await mkdtemp(join(tmpdir(), 'murmur-demo-'));
  const nodes: DemoNode[] = [];
  const { createCliLogger } = await import('./logger.ts'); // pino-pretty only for start/demo
  const log = createCliLogger(o.logLevel, { pretty: false, stderr: true });
  const say = (t: string): void => {
    if (!o.json) o.write(t);
  };
  const t0 = Date.now();
  const deadline = t0 + o.timeoutMs;
  const limit = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, limit]) : limit;
  const pending = (detail: string): KindResult => ({ converged: false, ms: -1, detail });
  const results: Record<Kind, KindResult> & Record<string, KindResult> = {
    overlay: pending('not reached'),
    tree: pending('not run'),
    journals: pending('not run'),
    chunks: pending('not run'),
  };
  const report = (): DemoReport => ({
    converged: Object.values(results).every((r) => r.converged),
    nodes: o.nodes,
    dataRoot: root,
    totalMs: Date.now() - t0,
    kinds: results,
  });
  try {
    say(`murmur demo: starting ${o.nodes} nodes on loopback (data folders in ${root})\n`);
    await startNodes(o, root, log, nodes, say);
    const live: LiveState = {
      nodes,
      status: 'overlay: waiting for every node to be an active peer of every other',
    };
    const view = new LiveView(o, live, t0);

    // 1. overlay
    const peers = (): number[] => nodes.map((n) => n.daemon.node.status().peers.active);
    const meshed = await view.until(() => peers().every((a) => a >= o.nodes - 1), deadline);
    results.overlay = {
      converged: meshed,
      ms: meshed ? Date.now() - t0 : -1,
      detail: `active peers per node: ${peers().join(', ')} (of ${o.nodes - 1})`,
      activePeers: peers(),
    };

    // 2. tree: a signed kv entry written on node 0
    let failed: string | undefined = meshed ? undefined : 'overlay';
    if (!failed) {
      const kv = new KvCheck(nodes);
      live.kv = kv;
      live.status = `tree: ${nodes.length - 1} nodes join node0's tree; node0 writes ${DEMO_KEY}`;
      const ok = await view.run(kv.write({ signal }), () => kv.converged(), deadline);
      kv.stop();
      results.tree = kv.result();
      if (!ok) failed = 'tree';
    }
    // 3. journals: a journal on node 1, followed by every node
    if (!failed) {
      const jc = new JournalCheck(nodes);
      live.journal = jc;
      live.status = `journals: ${jc.writer} creates journal 'demo' and appends ${DEMO_EVENTS} events; the others follow it`;
      const ok = await view.run(jc.write({ signal }), () => jc.converged(), deadline);
      results.journals = jc.result();
      if (!ok) failed = 'journals';
    }
    // 4. chunks: a file put on the last node, fetched and verified on node 0
    if (!failed) {
      const fc = new FileCheck(nodes);
      live.file = fc;
      live.status = `chunks: ${fc.from} puts ${fc.bytes.length / 1024} KiB; node0 fetches it and checks its SHA-256`;
      const ok = await view.run(fc.run({ signal }), () => fc.converged(), deadline);
      results.chunks = fc.result();
      if (!ok) failed = 'chunks';
    }
    // 5. every other registered data kind with a demo step (src/kinds)
    for (const kind of failed ? [] : demoKinds()) {
      const demo = kind.demo!;
      const views = nodes.map((n) => ({ name: n.name, service: n.extra[kind.name]! }));
      const check = demo.check(views);
      live.status = `${demo.label}: ${demo.status(views)}`;
      const ok = await view.run(
        check.write({ signal }),
        () => {
          live.extra = check.progress();
          return check.converged();
        },
        deadline,
      );
      check.stop?.();
      live.extra = undefined;
      results[kind.name] = check.result();
      if (!ok) failed = kind.name;
    }
    live.status = failed ? `${labelOf(failed)}: gave up after ${o.timeoutMs / 1000} s` : 'all converged';
    view.draw(true);

    const r = report();
    if (o.json) o.write(`${JSON.stringify(r, null, 2)}\n`);
    else o.write(`\n${renderSummary(results, labels())}\n\n`);
    if (failed) {
      throw new MurmurError(
        'MURMUR_DEMO_FAILED',
        `${labelOf(failed)} did not converge within ${o.timeoutMs / 1000} s: ${results[failed]?.detail ?? ''}`,
        { details: { kind: failed } },
      );
    }
    say(
      `converged: every one of the ${o.nodes} nodes has an active connection to every other and the same kv entry, journal head and tree root hash; the file came back intact (${fmtMs(r.totalMs)} after start)\n`,
    );
    if (o.keep) await keepRunning(o, nodes, root, results, say);
    return r;
  } finally {
    await Promise.allSettled(nodes.map((n) => n.daemon.stop()));
    await rm(root, { recursive: true, force: true });
    say(`stopped ${nodes.length} nodes, removed ${root}\n`);
  }
}

const BUILT_IN = new Set(['tree', 'chunks', 'journals']);

/** The registered data kinds beyond the built-in three that have a demo step. */
const demoKinds = (): DataKind[] => REGISTERED.filter((k) => !BUILT_IN.has(k.name) && k.demo !== undefined);

/** Summary labels of the registered kinds' demo steps. */
const labels = (): Record<string, string> =>
  Object.fromEntries(demoKinds().map((k) => [k.name, k.demo!.label]));

const labelOf = (kind: string): string => KIND_LABEL[kind as Kind] ?? labels()[kind] ?? kind;

/** Starts the nodes with the data services of every registered kind; node i bootstraps from node 0 only. */
async function startNodes(
  o: DemoOptions,
  root: string,
  log: Logger,
  nodes: DemoNode[],
  say: (t: string) => void,
): Promise<void> {
  let bootstrap: string[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const dataDir = join(root, `node${i}`);
    const { loadConfig } = await import('../../config/index.ts');
    const config = await loadConfig({
      flags: {
        data: dataDir,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        api: '127.0.0.1:0',
        bootstrap,
        network: 'murmur-demo',
      },
      env: {},
    });
    // the node's code is loaded when a demo runs, not for every murmur command (start-up time)
    const [{ TreeService }, { ChunksService }, { JournalsService }, { Daemon }] = await Promise.all([
      import('../../tree/service.ts'),
      import('../../chunks/service.ts'),
      import('../../journals/service.ts'),
      import('../../daemon/index.ts'),
    ]);
    const tree = new TreeService({ keyFile: join(config.dataDir, 'tree-key.json') });
    const chunks = new ChunksService({ dataDir: config.dataDir });
    // catalogues every second instead of every 10 s, so the journal is found at once
    const journals = new JournalsService({ dataDir: config.dataDir, catalogueIntervalMs: 1000 });
    const extra: Record<string, NodeService> = {};
    for (const kind of REGISTERED.filter((k) => !BUILT_IN.has(k.name))) {
      extra[kind.name] = await kind.create({
        dataDir: config.dataDir,
        config: config.kinds?.[kind.name] ?? kind.configure({}),
        logger: log.child({ demo: `node${i}`, kind: kind.name }),
        env: {},
      });
    }
    const daemon = new Daemon({
      config,
      logger: log.child({ demo: `node${i}` }),
      services: [chunks, tree, journals, ...Object.values(extra)],
    });
    await daemon.start(o.signal ? { signal: o.signal } : {});
    nodes.push({ name: `node${i}`, daemon, tree, chunks, journals, extra });
    if (i === 0) {
      bootstrap = daemon.node.status().addresses.slice(0, 1);
      say(`node0 ${daemon.node.peerId} listens on ${bootstrap[0]}; the others bootstrap from it only\n`);
    }
  }
}

/** The live view: redrawn in place on a terminal, printed when it changes otherwise, silent with --json. */
class LiveView {
  readonly #o: DemoOptions;
  readonly #state: LiveState;
  readonly #t0: number;
  #drawn = 0;
  #last = '';
  #lastAt = 0;

  constructor(o: DemoOptions, state: LiveState, t0: number) {
    this.#o = o;
    this.#state = state;
    this.#t0 = t0;
  }

  draw(force = false): void {
    const now = Date.now();
    if (this.#o.json || (!force && now - this.#lastAt < RENDER_MS)) return;
    this.#lastAt = now;
    const lines = renderLive(this.#state);
    const key = lines.join('\n');
    lines.push(`  ${((now - this.#t0) / 1000).toFixed(1)} s`);
    if (this.#o.tty) {
      this.#o.write(
        `${this.#drawn ? `\x1b[${this.#drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`,
      );
      this.#drawn = lines.length;
    } else if (key !== this.#last) {
      this.#o.write(`${lines.join('\n')}\n`);
    }
    this.#last = key;
  }

  /** Polls `done` until it holds (true) or the deadline passes (false); redraws meanwhile. */
  async until(done: () => boolean, deadline: number): Promise<boolean> {
    for (;;) {
      if (this.#o.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'demo interrupted');
      const ok = done();
      this.draw(ok);
      if (ok) return true;
      if (Date.now() > deadline) return false;
      await sleep(POLL_MS, this.#o.signal);
    }
  }

  /** Runs a check's writes while polling it; a write that fails ends the wait (false). */
  async run(work: Promise<void>, done: () => boolean, deadline: number): Promise<boolean> {
    let failed = false;
    const settled = work.catch((err: unknown) => {
      failed = true;
      this.#state.status += ` — failed: ${(err as Error).message}`;
    });
    const ok = await this.until(() => failed || done(), deadline);
    await Promise.race([settled, sleep(1000)]);
    return ok && !failed;
  }
}

async function keepRunning(
  o: DemoOptions,
  nodes: DemoNode[],
  root: string,
  results: Record<Kind, KindResult>,
  say: (t: string) => void,
): Promise<void> {
  const cmd = murmurCommand();
  const data = (i: number): string => `--data ${nodes[Math.min(i, nodes.length - 1)]?.daemon.config.dataDir}`;
  const lines = [
    ...nodes.slice(0, 2).flatMap((n, i) => [`${cmd} status ${data(i)}`, `dashboard: ${n.daemon.apiUrl}/`]),
    `${cmd} kv get ${DEMO_KEY} --tree ${String(results.tree.tree)} ${data(2)}`,
    `${cmd} tree ls ${data(2)}`,
    `${cmd} journal read ${String(results.journals.id)} ${data(2)}`,
    `${cmd} get ${String(results.chunks.root)} -o /tmp/demo.bin ${data(1)}`,
    `${cmd} dashboard ${data(0)}   (a logged-in link)`,
  ];
  say(
    `\nthe nodes keep running; try:\n${lines.map((l) => `  ${l}\n`).join('')}Ctrl-C stops them and removes ${root}\n`,
  );
  await new Promise<void>((resolve) => {
    if (!o.signal || o.signal.aborted) return resolve();
    o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
