import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { Daemon } from '../../daemon/index.ts';
import { MurmurError } from '../../errors/index.ts';
import { action } from './common.ts';
import { shortId } from './format.ts';
import { createCliLogger } from './logger.ts';
import { murmurCommand } from './start.ts';

interface DemoFlags {
  nodes: string;
  timeout: string;
  keep?: boolean;
  logLevel: string;
}

export interface DemoOptions {
  nodes: number;
  timeoutMs: number;
  keep: boolean;
  logLevel: string;
  write: (text: string) => void;
  tty: boolean;
  signal?: AbortSignal;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start a small local network (real loopback TCP, separate data folders) and watch it converge',
    )
    .option('--nodes <n>', 'number of nodes (2-20)', '5')
    .option('--timeout <seconds>', 'give up after this long', '60')
    .option('--keep', 'keep the nodes running after they converge (Ctrl-C stops them)')
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
            logLevel: flags.logLevel,
            write: (t) => process.stdout.write(t),
            tty: process.stdout.isTTY === true,
            signal: ac.signal,
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        process.exit(process.exitCode ?? 0);
      }),
    );
}

interface Row {
  name: string;
  peerId: string;
  active: number;
  depth: number;
}

/** Starts the nodes, shows them converging, prints a summary, cleans up. */
export async function runDemo(o: DemoOptions): Promise<{ convergedMs: number; rows: Row[] }> {
  const root = await mkdtemp(join(tmpdir(), 'murmur-demo-'));
  const daemons: Daemon[] = [];
  const log = createCliLogger(o.logLevel, { pretty: false, stderr: true });
  const t0 = Date.now();
  try {
    o.write(`murmur demo: starting ${o.nodes} nodes on loopback (data folders in ${root})\n`);
    let bootstrap: string[] = [];
    for (let i = 0; i < o.nodes; i++) {
      const config = await loadConfig({
        flags: {
          data: join(root, `node${i}`),
          listen: ['/ip4/127.0.0.1/tcp/0'],
          api: '127.0.0.1:0',
          bootstrap,
          network: 'murmur-demo',
        },
        env: {},
      });
      const d = new Daemon({ config, logger: log.child({ demo: `node${i}` }) });
      await d.start(o.signal ? { signal: o.signal } : {});
      daemons.push(d);
      if (i === 0) {
        bootstrap = d.node.status().addresses.slice(0, 1);
        o.write(`node0 ${d.node.peerId} listens on ${bootstrap[0]}; the others bootstrap from it only\n`);
      }
    }
    const rowsOf = (): Row[] =>
      daemons.map((d, i) => {
        const s = d.node.status();
        return { name: `node${i}`, peerId: d.node.peerId, active: s.peers.active, depth: s.depth };
      });
    const render = (rows: Row[], elapsed: number): string =>
      `${rows
        .map(
          (r) =>
            `  ${r.name.padEnd(7)} ${shortId(r.peerId).padEnd(16)} ${bar(r.active, o.nodes - 1)} ${String(r.active).padStart(2)}/${o.nodes - 1} peers active   depth ${r.depth}`,
        )
        .join('\n')}\n  ${(elapsed / 1000).toFixed(1)} s\n`;
    let last = '';
    let drawn = 0;
    let convergedMs = -1;
    let rows = rowsOf();
    while (convergedMs < 0) {
      if (o.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'demo interrupted');
      rows = rowsOf();
      const elapsed = Date.now() - t0;
      const view = render(rows, elapsed);
      const key = view.replace(/\n {2}[\d.]+ s\n$/, '');
      if (o.tty) {
        o.write(`${drawn ? `\x1b[${drawn}A` : ''}${view}`);
        drawn = rows.length + 1;
      } else if (key !== last) {
        o.write(view);
      }
      last = key;
      if (rows.every((r) => r.active >= o.nodes - 1)) convergedMs = elapsed;
      else if (elapsed > o.timeoutMs) {
        throw new MurmurError(
          'MURMUR_DEMO_FAILED',
          `the network did not converge within ${o.timeoutMs / 1000} s (active peers: ${rows.map((r) => r.active).join(', ')})`,
        );
      } else await sleep(250, o.signal);
    }
    o.write(
      `\nconverged: every one of the ${o.nodes} nodes has an active connection to every other, ${(convergedMs / 1000).toFixed(1)} s after start\n`,
    );
    if (o.keep) {
      const cmd = murmurCommand();
      o.write(
        `\nthe nodes keep running; try:\n${daemons
          .slice(0, 2)
          .map((d) => `  ${cmd} status --data ${d.config.dataDir}\n  dashboard: ${d.apiUrl}/`)
          .join(
            '\n',
          )}\n  ${cmd} dashboard --data ${daemons[0]?.config.dataDir}   (a logged-in link)\nCtrl-C stops them and removes ${root}\n`,
      );
      await new Promise<void>((resolve) => {
        if (!o.signal || o.signal.aborted) return resolve();
        o.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return { convergedMs, rows };
  } finally {
    await Promise.allSettled(daemons.map((d) => d.stop()));
    await rm(root, { recursive: true, force: true });
    o.write(`stopped ${daemons.length} nodes, removed ${root}\n`);
  }
}

function bar(n: number, max: number): string {
  const width = 20;
  const full = max === 0 ? width : Math.round((Math.min(n, max) / max) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
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
