/**
 * A p2ptbl table in a script, no node needed: a last-writer-wins table in a file, updated, read,
 * and gossiped to a second table (what `p2ptbl gossip` sends over HBBP and `p2ptbl-recv` merges).
 *
 *   node examples/programs/table-script.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table } from 'murmur/tables';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'murmur-table-'));
const signal = AbortSignal.timeout(30_000);

try {
  const hosts = new Table(join(dir, 'hosts'));
  await hosts.init({ signal });
  await hosts.update('node7', 'fe80::7\tup', { signal });
  await hosts.update('node8', 'fe80::8\tup', { signal });
  await hosts.update('node8', 'fe80::8\tdown', { signal }); // a newer version of the row
  const row = await hosts.get('node8', { signal });
  say(`node8 = ${row?.value} (version ${row?.version})`);

  // one gossip datagram of at most 1200 bytes, received by another host's copy of the table
  const gossip = await hosts.gossip(1200, { signal });
  if (gossip === undefined) throw new Error('nothing to gossip');
  const replica = new Table(join(dir, 'replica'));
  await replica.init({ signal });
  const merged = await replica.receive(gossip.payload, { signal });
  say(`the replica merged ${JSON.stringify(merged, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  const { rows } = await replica.read({ signal });
  for (const r of rows) say(`replica: ${r.key} = ${r.value}`);
  if ((await replica.get('node8', { signal }))?.value !== 'fe80::8\tdown') throw new Error('not merged');
  say('the replica has the latest rows: ok');
} finally {
  await rm(dir, { recursive: true, force: true });
}
