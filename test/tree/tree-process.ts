/**
 * One murmur node with the tree service in its own process (kill -9 tests). Env: MURMUR_DATA,
 * MURMUR_BOOTSTRAP (comma-separated), TREE_ROOT (key JSON of the tree's root), TREE_SEED (records
 * to write at start, in batches), TREE_WRITE_MS (write /own/<n> every so often and print
 * {"acked": key} once each put resolved), TREE_EXPECT (file of keys, one a line: print how many are
 * missing at start), TREE_WRITE_COUNT (stop after so many writes; SIGUSR2 allows as many more), TREE_PREFIX (key prefix),
 * MURMUR_LISTEN, MURMUR_IFACE. Prints {"ready", peerId, addresses} then {"count","hash"} every 100 ms.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNode } from '../../src/node/index.ts';
import { HlcClock } from '../../src/tree/hlc.ts';
import { signerFromJson } from '../../src/tree/keyfile.ts';
import { toHex } from '../../src/tree/keys.ts';
import { makeEntry } from '../../src/tree/records.ts';
import { TreeService } from '../../src/tree/service.ts';

const env = process.env;
const dataDir = env.MURMUR_DATA ?? '.murmur-tree-test';
const root = signerFromJson(JSON.parse(env.TREE_ROOT ?? '{}'));
const rootHex = toHex(root.publicKey);
const svc = new TreeService({
  keyFile: join(dataDir, 'tree-key.json'),
  announceDebounceMs: 50,
  antiEntropyMs: 500,
});
const node = await createNode({
  dataDir,
  listen: (env.MURMUR_LISTEN ?? '/ip4/127.0.0.1/tcp/0').split(','),
  ...(env.MURMUR_IFACE ? { iface: env.MURMUR_IFACE } : {}),
  bootstrap: (env.MURMUR_BOOTSTRAP ?? '').split(',').filter((s) => s !== ''),
  services: [svc],
  peerBook: { backoffMs: [200, 400, 800, 1000], idleMs: 500, heartbeatCheckMs: 100, pongTimeoutMs: 500 },
  timers: { dialCheckMs: 200, announceMs: 300, handshakeTimeoutMs: 2000, dialTimeoutMs: 3000 },
});
await node.start();
const tree = await svc.join(rootHex);
const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
if (env.TREE_EXPECT) {
  const keys = (await readFile(env.TREE_EXPECT, 'utf8')).split('\n').filter((k) => k !== '');
  out({
    expected: keys.length,
    missing: (await Promise.all(keys.map((k) => tree.get(k)))).filter((v) => v === undefined).length,
  });
}
const seed = Number(env.TREE_SEED ?? 0);
const prefix = env.TREE_PREFIX ?? '';
let maxWrites = Number(env.TREE_WRITE_COUNT ?? Number.POSITIVE_INFINITY);
// SIGUSR2: another round of TREE_WRITE_COUNT writes
process.on('SIGUSR2', () => {
  maxWrites += Number(env.TREE_WRITE_COUNT ?? 0);
});
const clock = new HlcClock();
const value = new Uint8Array(512).fill(7);
for (let i = 0; i < seed; i += 1000) {
  const entries = [];
  for (let j = i; j < Math.min(seed, i + 1000); j++)
    entries.push(
      makeEntry(root, {
        tree: root.publicKey,
        key: `${prefix}/seed/${j}`,
        value,
        timestamp: clock.tick(),
        grants: [],
      }),
    );
  await tree.store.ingest(rootHex, { entries }, {});
}
out({ ready: true, peerId: node.peerId, addresses: node.status().addresses });
const status = setInterval(
  () => out({ count: tree.state.fingerprint.count, hash: toHex(tree.rootHash()) }),
  100,
);
let n = 0;
const writer = env.TREE_WRITE_MS
  ? setInterval(() => {
      if (n >= maxWrites) return;
      const key = `${prefix}/own/${process.pid}/${n++}`;
      const t = svc.treeWith(rootHex, root);
      t.then((c) => c.put(key, new Uint8Array(16)).finally(() => c.close()))
        .then(() => out({ acked: key }))
        .catch(() => {});
    }, Number(env.TREE_WRITE_MS))
  : null;
const shutdown = (): void => {
  clearInterval(status);
  if (writer !== null) clearInterval(writer);
  node.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
