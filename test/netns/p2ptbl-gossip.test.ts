/**
 * The issue's acceptance test: at least four hosts in network namespaces on one bridge (veth), each
 * running `hbbp listen` with `p2ptbl-recv` linked as the handler for a table; different updates on
 * different hosts, periodic gossip with a 500-byte budget: every host ends with the byte-identical
 * table. Again with 20 % packet loss: still identical, in more rounds. A datagram with key `../x` or an
 * oversized payload runs nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { netnsSkip } from '../helpers/netns.ts';
import { bin, createGossipLan, type GossipLan, HBBP_PORT, populate } from '../helpers/netns-p2ptbl.ts';

const HOSTS = 4;
const BUDGET = 500;
const ROWS_PER_HOST = 11;
const MAX_ROUNDS_CLEAN = 40;
const MAX_ROUNDS_LOSSY = 60;
const UDP_TOOL = fileURLToPath(new URL('../helpers/netns-udp.ts', import.meta.url));

async function get(g: GossipLan, host: number, table: string, key: string): Promise<string> {
  return g.p2ptblOk(host, ['get', g.tablePath(host, table), key]);
}

/** Two phases: spread the initial updates; then a delete and an overwrite made after convergence. */
async function scenario(g: GossipLan, table: string, maxRounds: number) {
  await populate(g, table, ROWS_PER_HOST);
  const first = await g.converge(table, { budget: BUDGET, maxRounds });
  assert.ok(first.identical, `not identical after ${first.rounds} rounds:\n${first.diff}`);
  const shown = await g.p2ptblOk(0, ['show', g.tablePath(0, table)]);
  const keys = shown
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t')[0]);
  assert.equal(keys.length, HOSTS * (ROWS_PER_HOST + 1) + 1, shown);
  assert.match(await get(g, 0, table, 'shared'), /^from-h[0-3]\n$/);
  assert.equal(await get(g, 3, table, 'own-0'), 'value of h0\twith\ttab\n');

  // host 1 deletes a key it learnt by gossip; host 3 overwrites the contested one.
  await g.p2ptblOk(1, ['del', g.tablePath(1, table), 'own-0']);
  await g.p2ptblOk(3, ['update', g.tablePath(3, table), 'shared', 'final']);
  const second = await g.converge(table, { budget: BUDGET, maxRounds });
  assert.ok(second.identical, `not identical after the delete, ${second.rounds} rounds:\n${second.diff}`);
  for (let i = 0; i < HOSTS; i++) {
    assert.equal(await get(g, i, table, 'own-0'), '', `host ${i} still has the deleted key`);
    assert.equal(await get(g, i, table, 'shared'), 'final\n', `host ${i}`);
  }
  return { first, second };
}

describe('p2ptbl gossip over HBBP between network namespaces', { skip: netnsSkip() }, () => {
  let g: GossipLan;
  before(async () => {
    g = await createGossipLan({ hosts: HOSTS, tables: ['clean', 'lossy', 'guard'], name: 'p2ptbl' });
  });
  after(async () => {
    await g?.destroy();
  });

  test(`${HOSTS} hosts, ${BUDGET}-byte gossip: every table ends byte-identical`, async (t) => {
    const { first, second } = await scenario(g, 'clean', MAX_ROUNDS_CLEAN);
    t.diagnostic(
      `0% loss: identical after ${first.rounds} rounds (${first.ms} ms); after the delete ${second.rounds}`,
    );
  });

  test('with 20 % packet loss on every host: still byte-identical', async (t) => {
    for (let i = 0; i < HOSTS; i++) await g.lan.setLoss(i, 20);
    try {
      const { first, second } = await scenario(g, 'lossy', MAX_ROUNDS_LOSSY);
      t.diagnostic(
        `20% loss: identical after ${first.rounds} rounds (${first.ms} ms); after the delete ${second.rounds}`,
      );
    } finally {
      for (let i = 0; i < HOSTS; i++) await g.lan.setLoss(i, 0);
    }
  });

  test('a datagram with key ../x, an absolute key or an oversized payload runs nothing', async () => {
    // Handlers that leave a trace if they ever run.
    const absKey = join(g.base, 'abs');
    await writeFile(absKey, `#!/bin/sh\ntouch "${g.base}/abs.ran"\n`);
    await chmod(absKey, 0o755);
    for (const h of g.hosts) {
      await writeFile(join(h.dir, 'x'), `#!/bin/sh\ntouch "${h.dir}/x.ran"\n`);
      await writeFile(
        join(h.handlers, 'mark'),
        `#!/bin/sh\nprintf '%s\\n' "$(cat)" >> "${h.dir}/mark.log"\n`,
      );
      await chmod(join(h.dir, 'x'), 0o755);
      await chmod(join(h.handlers, 'mark'), 0o755);
      await g.p2ptblOk(h.host.index, ['init', g.tablePath(h.host.index, 'guard')]);
      await g.p2ptblOk(h.host.index, ['update', g.tablePath(h.host.index, 'guard'), 'k', `v${h.host.index}`]);
    }
    const before = await Promise.all(g.hosts.map((h) => readFile(g.tablePath(h.host.index, 'guard'))));

    // The sender itself refuses a payload beyond the 1232-byte datagram cap.
    const big = 'a'.repeat(1300);
    const send = await g.hosts[1]!.host.exec(bin('hbbp'), ['send', 'eth0', 'mark', '-'], { input: big });
    assert.notEqual(send.code, 0, 'hbbp send accepted a payload over 1232 bytes');

    // So the listener's own checks are exercised with raw datagrams.
    let rows = '';
    let gz = gzipSync('');
    while (gz.length < 1240) {
      rows += `evil-${randomBytes(4).toString('hex')}\t99999999\t${randomBytes(8).toString('hex')}\n`;
      gz = gzipSync(rows);
    }
    const raw = (key: string, payload: Buffer | string): string =>
      `hex:${Buffer.concat([Buffer.from(`${key}\0`), Buffer.from(payload)]).toString('hex')}`;
    const datagrams = [
      raw('../x', 'hello'),
      raw(absKey, 'hello'),
      raw('mark', big),
      raw('p2ptbl/guard', gz),
      raw('mark', 'after'),
    ];
    for (const d of datagrams) {
      const r = await g.hosts[1]!.host.exec(process.execPath, [
        UDP_TOOL,
        'send',
        'ff02::1%eth0',
        String(HBBP_PORT),
        '1',
        d,
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    // The last, valid datagram proves the listeners got the batch and run handlers.
    const deadline = Date.now() + 60_000;
    const logs = async () =>
      Promise.all(g.hosts.map((h) => readFile(join(h.dir, 'mark.log'), 'utf8').catch(() => '')));
    while ((await logs()).some((l) => l === '') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await g.quiet();
    const outputs = g.hosts.map((h) => h.output()).join('\n---\n');
    assert.deepEqual(await logs(), Array(HOSTS).fill('after\n'), `listener output:\n${outputs}`);
    for (const h of g.hosts) {
      await assert.rejects(readFile(join(h.dir, 'x.ran')), `host ${h.host.index} ran ../x`);
    }
    await assert.rejects(readFile(join(g.base, 'abs.ran')), 'a listener ran an absolute key');
    const afterBytes = await Promise.all(g.hosts.map((h) => readFile(g.tablePath(h.host.index, 'guard'))));
    assert.deepEqual(afterBytes, before, 'an oversized gossip datagram changed a table');
  });
});
