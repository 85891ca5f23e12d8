import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { until } from '../helpers/cluster.ts';
import { createLan, type Lan, netnsSkip } from '../helpers/netns.ts';
import { NODE_PROCESS, type NodeChild, watchNode } from '../helpers/node-spawn.ts';

let lan: Lan | undefined;
const dirs: string[] = [];
after(async () => {
  await lan?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('three hosts on one bridge find each other through HBBP with no bootstrap list', {
  skip: netnsSkip(),
}, async () => {
  lan = await createLan({ hosts: 3, name: 'nodedisc', ipv4: true });
  const children: NodeChild[] = [];
  for (const host of lan.hosts) {
    const dir = mkdtempSync(join(tmpdir(), `murmur-ns${host.index}-`));
    dirs.push(dir);
    const proc = host.spawn(process.execPath, [NODE_PROCESS], {
      env: {
        ...process.env,
        MURMUR_DATA: dir,
        MURMUR_LISTEN: '/ip4/0.0.0.0/tcp/9021',
        MURMUR_IFACE: host.iface,
        MURMUR_FAST: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(await watchNode(proc));
  }
  const ids = children.map((c) => c.peerId);
  await until(
    () => children.every((c, i) => ids.every((id, j) => i === j || c.states.get(id) === 'active')),
    { timeoutMs: 60_000, what: 'every host active with the two others' },
  );
});
