import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { countersKind } from '../../../examples/counter/kind.ts';
import { CountersService } from '../../../examples/counter/service.ts';
import type { ApiRequester, RequestOptions } from '../../../src/http/types.ts';
import type { CliKit } from '../../../src/service/kind.ts';
import { serviceCluster, until } from '../../helpers/cluster.ts';

test('settings: countersMax defaults, accepts numbers and numeric strings, rejects the rest with MURMUR_CONFIG_INVALID', async () => {
  assert.equal(countersKind.configure({}).maxCounters, 256);
  assert.equal(countersKind.configure({ countersMax: 10 }).maxCounters, 10);
  assert.equal(countersKind.configure({ countersMax: '12' }).maxCounters, 12);
  for (const bad of ['x', 0, -1, 1.5, 1e9]) {
    assert.throws(() => countersKind.configure({ countersMax: bad }), { code: 'MURMUR_CONFIG_INVALID' });
  }
  const svc = await countersKind.create({
    dataDir: '/tmp',
    config: { maxCounters: 7 },
    logger: undefined as never,
    env: {},
  });
  assert.ok(svc instanceof CountersService);
  assert.equal((svc as CountersService).bounds.maxCounters, 7);
});

test('CLI: counter inc/dec/get/ls send the API requests through the kit', async () => {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const client: ApiRequester = {
    url: 'http://x',
    async request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
      sent.push({ method, path, body: options?.body });
      return (path === '/v1/counters' ? { counters: [] } : { name: 'n', value: '1', slots: 1 }) as T;
    },
    async *events() {},
  };
  const printed: unknown[] = [];
  const kit: CliKit = {
    clientOptions: (cmd) => cmd.option('--data <dir>').option('--json'),
    client: async () => client,
    endpoint: async () => ({ url: 'http://x', token: '' }),
    action: (fn) => fn,
    printJson: (v) => printed.push(v),
    table: (h, rows) => [h, ...rows].map((r) => r.join(' ')).join('\n'),
    formatBytes: (n) => `${n} B`,
    inputFileSize: async () => 0,
    responseError: (status) => new Error(`HTTP ${status}`),
  };
  const program = new Command().exitOverride();
  countersKind.commands!(program, kit);
  const run = (...args: string[]) => program.parseAsync(['node', 'murmur', ...args, '--json']);
  await run('counter', 'inc', 'hits', '5');
  await run('counter', 'dec', 'hits');
  await run('counter', 'get', 'hits');
  await run('counter', 'ls');
  assert.deepEqual(sent, [
    { method: 'POST', path: '/v1/counters/hits', body: { by: '5' } },
    { method: 'POST', path: '/v1/counters/hits', body: { by: '-1' } },
    { method: 'GET', path: '/v1/counters/hits', body: undefined },
    { method: 'GET', path: '/v1/counters', body: undefined },
  ]);
  assert.equal(printed.length, 4);
});

test('demo step and card on a simulated three-node chain: node 0 and the last increment, every node converges', async () => {
  const cluster = await serviceCluster(3, {
    transport: 'sim',
    services: () => [new CountersService({ debounceMs: 20 })],
  });
  try {
    await cluster.connectChain();
    const nodes = cluster.members.map((m) => ({
      name: `n${m.index}`,
      service: m.service<CountersService>('counters'),
    }));
    const check = countersKind.demo!.check(nodes);
    assert.match(countersKind.demo!.status(nodes), /node 0 and node 2/);
    await check.write({});
    await until(() => check.converged(), { timeoutMs: 60_000, what: 'demo convergence' });
    const r = check.result();
    assert.equal(r.converged, true);
    assert.ok(r.ms >= 0);
    for (const n of nodes) assert.equal(n.service.value('demo'), 5n);
    const card = await countersKind.card!(nodes[1]!.service);
    assert.deepEqual(card.items, [
      ['counters', '1'],
      ['demo', '5'],
    ]);
  } finally {
    await cluster.stop();
  }
});
