import './codes.ts';
import type { Command } from 'commander';
import { systemClock } from '../../src/clock/index.ts';
import { MurmurError } from '../../src/errors/index.ts';
import {
  type CliKit,
  type DemoCheck,
  type DemoNodeView,
  defineKind,
  type RawKindSettings,
} from '../../src/service/kind.ts';
import { DEFAULT_BOUNDS } from './crdt.ts';
import type { CountersService } from './service.ts';

export interface CountersConfig {
  maxCounters: number;
}

interface CounterJson {
  name: string;
  value: string;
  slots: number;
}

const DEMO_COUNTER = 'demo';

/** A command's output line (stdout; library code has no console). */
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function parseMax(raw: RawKindSettings): number {
  const v = raw.countersMax;
  if (v === undefined) return DEFAULT_BOUNDS.maxCounters;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 65_536) {
    throw new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `--counters-max / MURMUR_COUNTERS_MAX / countersMax: expected an integer 1..65536, got '${String(v)}'`,
    );
  }
  return n;
}

/** The demo runs real nodes from the CLI: convergence is timed on the system clock (wall time). */
function demoCheck(nodes: readonly DemoNodeView<CountersService>[]): DemoCheck {
  let started = 0;
  let ms = -1;
  let target = 0n;
  const first = nodes[0]?.service;
  const last = nodes[nodes.length - 1]?.service;
  const converged = (): boolean => {
    const ok = started > 0 && nodes.every((n) => n.service.value(DEMO_COUNTER) === target);
    if (ok && ms < 0) ms = systemClock.monotonic() - started;
    return ok;
  };
  return {
    async write() {
      if (first === undefined || last === undefined) return;
      target = first.value(DEMO_COUNTER) + 3n + (first === last ? 0n : 2n);
      started = systemClock.monotonic();
      await first.increment(DEMO_COUNTER, 3n);
      if (last !== first) await last.increment(DEMO_COUNTER, 2n);
    },
    converged,
    progress: () =>
      `${nodes.filter((n) => n.service.value(DEMO_COUNTER) === target).length}/${nodes.length} at ${target}`,
    result: () => ({
      converged: converged(),
      ms: ms < 0 ? -1 : Math.round(ms),
      detail: `counter '${DEMO_COUNTER}' = ${target} on ${nodes.filter((n) => n.service.value(DEMO_COUNTER) === target).length}/${nodes.length} nodes`,
    }),
  };
}

function commands(program: Command, kit: CliKit): void {
  const counter = program.command('counter').description('replicated PN-counters (examples/counter)');
  const bump = (sign: 1n | -1n) =>
    kit.action(async (name: string, by: string | undefined, flags: { data?: string; json?: boolean }) => {
      if (by !== undefined && !/^\d{1,19}$/.test(by)) {
        throw new MurmurError('MURMUR_COUNTER_BAD_AMOUNT', 'BY must be a positive integer');
      }
      const api = await kit.client(flags);
      const r = await api.request<{ name: string; value: string }>(
        'POST',
        `/v1/counters/${encodeURIComponent(name)}`,
        {
          body: { by: (sign * BigInt(by ?? '1')).toString() },
        },
      );
      if (flags.json) kit.printJson(r);
      else say(r.value);
    });
  kit
    .clientOptions(counter.command('inc <name> [by]').description('add BY (default 1) to a counter'))
    .action(bump(1n));
  kit
    .clientOptions(counter.command('dec <name> [by]').description('take BY (default 1) off a counter'))
    .action(bump(-1n));
  kit.clientOptions(counter.command('get <name>').description('value of a counter')).action(
    kit.action(async (name: string, flags: { data?: string; json?: boolean }) => {
      const api = await kit.client(flags);
      const r = await api.request<CounterJson>('GET', `/v1/counters/${encodeURIComponent(name)}`);
      if (flags.json) kit.printJson(r);
      else say(r.value);
    }),
  );
  kit.clientOptions(counter.command('ls').description('every counter with its value')).action(
    kit.action(async (flags: { data?: string; json?: boolean }) => {
      const api = await kit.client(flags);
      const r = await api.request<{ counters: CounterJson[] }>('GET', '/v1/counters');
      if (flags.json) kit.printJson(r);
      else
        say(
          kit.table(
            ['NAME', 'VALUE', 'NODES'],
            r.counters.map((c) => [c.name, c.value, String(c.slots)]),
          ),
        );
    }),
  );
}

/** The `counters` data kind: register it with one entry in src/kinds/index.ts. */
export const countersKind = defineKind<CountersService, CountersConfig>({
  name: 'counters',
  title: 'Counters',
  summary: 'named PN-counters every node can increment and decrement (example kind, unsigned)',
  settings: [
    {
      key: 'countersMax',
      flag: '--counters-max <n>',
      env: 'MURMUR_COUNTERS_MAX',
      help: `most counters a node keeps (default ${DEFAULT_BOUNDS.maxCounters})`,
      accepts: ['string', 'number'],
    },
  ],
  configure: (raw) => ({ maxCounters: parseMax(raw) }),
  create: async ({ config }) => {
    const { CountersService } = await import('./service.ts');
    return new CountersService({ maxCounters: config.maxCounters });
  },
  commands,
  card: (svc) => {
    const list = svc.list();
    return {
      note: 'PN-counters, merged per node slot (not signed)',
      items: [
        ['counters', String(list.length)],
        ...list.slice(0, 5).map((c): [string, string] => [c.name, c.value]),
      ],
    };
  },
  demo: {
    label: 'counters',
    status: (nodes) =>
      `node 0 and node ${nodes.length - 1} increment '${DEMO_COUNTER}'; waiting for every node`,
    check: demoCheck,
  },
});
