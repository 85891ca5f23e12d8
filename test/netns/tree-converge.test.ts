import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { keyPairToJson } from '../../src/tree/keyfile.ts';
import { generateKeyPair } from '../../src/tree/keys.ts';
import { until } from '../helpers/cluster.ts';
import { createLan, type Lan, netnsSkip } from '../helpers/netns.ts';

const SCRIPT = new URL('../tree/tree-process.ts', import.meta.url).pathname;
let lan: Lan | undefined;
const dirs: string[] = [];
after(async () => {
  await lan?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Watched {
  proc: ChildProcess;
  last: { count: number; hash: string };
  acked: number;
}

function watch(proc: ChildProcess): Promise<Watched> {
  const w: Watched = { proc, last: { count: 0, hash: '' }, acked: 0 };
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tree process did not start: ${err}`)), 60_000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.ready === true) {
        clearTimeout(timer);
        resolve(w);
      } else if (typeof m.count === 'number') w.last = { count: m.count, hash: m.hash as string };
      else if (typeof m.acked === 'string') w.acked++;
    });
  });
}

const same = (ws: Watched[]): boolean =>
  ws[0]!.last.hash !== '' && ws.every((w) => w.last.hash === ws[0]!.last.hash);

test('three hosts in network namespaces: writes converge, a partition heals to identical root hashes', {
  skip: netnsSkip(),
}, async () => {
  lan = await createLan({ hosts: 3, name: 'treeconv', ipv4: true });
  const rootKey = JSON.stringify(keyPairToJson(generateKeyPair()));
  const WRITES = 30;
  const nodes: Watched[] = [];
  for (const host of lan.hosts) {
    const dir = mkdtempSync(join(tmpdir(), `murmur-tree-ns${host.index}-`));
    dirs.push(dir);
    const proc = host.spawn(process.execPath, [SCRIPT], {
      env: {
        ...process.env,
        MURMUR_DATA: dir,
        MURMUR_LISTEN: '/ip4/0.0.0.0/tcp/9021',
        MURMUR_IFACE: host.iface,
        TREE_ROOT: rootKey,
        TREE_SEED: '200',
        TREE_PREFIX: `/h${host.index}`,
        TREE_WRITE_MS: '50',
        TREE_WRITE_COUNT: String(WRITES),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nodes.push(await watch(proc));
  }
  // discovery by HBBP, then pushes and reconciliation: every host holds every write
  const all = 3 * (200 + WRITES);
  // status lines come every 100 ms, so wait for the full count as well as equal hashes: equal
  // hashes seen in lines older than the last acknowledgements are not convergence yet
  const full = (count: number): boolean => nodes.every((n) => n.last.count === count);
  await until(() => nodes.every((n) => n.acked === WRITES) && full(all) && same(nodes), {
    timeoutMs: 60_000,
    what: 'convergence',
  });
  assert.equal(nodes[0]!.last.count, all);

  // host 2 cut off; both sides keep writing (a second round of writes)
  await lan.partition([2]);
  for (const n of nodes) n.proc.kill('SIGUSR2');
  await until(() => nodes.every((n) => n.acked === 2 * WRITES), {
    timeoutMs: 60_000,
    what: 'writes during the partition',
  });
  const sideCount = 3 * 200 + 3 * WRITES + 2 * WRITES;
  await until(() => same(nodes.slice(0, 2)) && nodes.slice(0, 2).every((n) => n.last.count === sideCount), {
    timeoutMs: 60_000,
    what: 'the connected side agrees',
  });
  assert.notEqual(nodes[2]!.last.hash, nodes[0]!.last.hash, 'the partition keeps host 2 apart');
  // host 2 holds only its own new writes (its last status line may lag its last acknowledgement)
  await until(() => nodes[2]!.last.count === 3 * 200 + 4 * WRITES, {
    timeoutMs: 60_000,
    what: 'host 2 alone',
  });

  await lan.heal();
  await until(() => full(3 * (200 + 2 * WRITES)) && same(nodes), {
    timeoutMs: 60_000,
    what: 'identical root hashes after healing',
  });
  assert.equal(nodes[2]!.last.count, 3 * (200 + 2 * WRITES));
});
