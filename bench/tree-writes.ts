/**
 * Tree write path: signed writes per second (sign + verify + index, and through the store on
 * memory-level) next to the raw Ed25519 sign + verify rate measured in the same run (memory per
 * entry: bench/tree-memory.ts); time for one write
 * to reach 50 simulated nodes by push (random graph of degree 4, in one process, no latency).
 *
 *   npx node bench/tree-writes.ts
 */
import { sign, verify } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { MemoryLevel } from 'memory-level';
import { privateKeyFromSeed } from '../src/crypto/ed25519.ts';
import { packHlc } from '../src/tree/hlc.ts';
import { generateSigner, publicKeyObject, toHex } from '../src/tree/keys.ts';
import { makeEntry } from '../src/tree/records.ts';
import { recordId, TreeState } from '../src/tree/state.ts';
import { TreeStore } from '../src/tree/store.ts';
import { Tree } from '../src/tree/tree.ts';

const root = generateSigner();
const tree = root.publicKey;
const value = new Uint8Array(64).fill(7);

function rawRate(seconds: number): number {
  const msg = new Uint8Array(100).fill(1);
  const pub = privateKeyFromSeed(root.privateKey);
  const pk = publicKeyObject(root.publicKey);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const s = sign(null, msg, pub);
    verify(null, msg, pk, s);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

function stateRate(count: number): number {
  const s = new TreeState(tree);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    s.addEntry(
      makeEntry(root, { tree, key: `/k/${i}`, value, timestamp: packHlc(1_700_000_000_000 + i, 0) }),
    );
  }
  return count / ((performance.now() - t0) / 1000);
}

async function storeRate(count: number): Promise<number> {
  const store = new TreeStore(new MemoryLevel());
  await store.open();
  const t = await Tree.open(store, toHex(tree), { signer: root });
  const t0 = performance.now();
  const batch = 64;
  for (let i = 0; i < count; i += batch) {
    const ps: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) ps.push(t.put(`/k/${j}`, value));
    await Promise.all(ps);
  }
  return count / ((performance.now() - t0) / 1000);
}

async function gossip(nodes: number, degree: number): Promise<number> {
  const trees: Tree[] = [];
  for (let i = 0; i < nodes; i++) {
    const store = new TreeStore(new MemoryLevel());
    await store.open();
    trees.push(await Tree.open(store, toHex(tree), { signer: root }));
  }
  const links = trees.map(() => new Set<number>());
  for (let i = 0; i < nodes; i++) {
    links[i]!.add((i + 1) % nodes);
    links[(i + 1) % nodes]!.add(i);
    while (links[i]!.size < degree) {
      const j = Math.floor(Math.random() * nodes);
      if (j !== i) {
        links[i]!.add(j);
        links[j]!.add(i);
      }
    }
  }
  trees.forEach((t, i) => {
    t.store.on('records', ({ records }) => {
      void t.bundleFor(records.map((r) => toHex(recordId(r)))).then((bundle) => {
        for (const j of links[i]!) setImmediate(() => void trees[j]!.ingest(bundle));
      });
    });
  });
  let reached = 0;
  const done = new Promise<void>((resolve) => {
    for (const t of trees) {
      t.store.on('change', () => {
        if (++reached === nodes) resolve();
      });
    }
  });
  const t0 = performance.now();
  await trees[0]!.put('/gossip', value);
  await done;
  return performance.now() - t0;
}

export async function run(): Promise<Record<string, unknown>> {
  const count = Number(process.env.TREE_BENCH_WRITES ?? 20_000);
  const raw = rawRate(2);
  const state = stateRate(count);
  const store = await storeRate(count);
  const gossipMs = await gossip(50, 4);
  return {
    rawSignVerifyPerSec: Math.round(raw),
    signedWritesPerSecState: Math.round(state),
    signedWritesPerSecStore: Math.round(store),
    ratioStoreToRaw: Number((store / raw).toFixed(2)),
    oneWriteTo50NodesMs: Number(gossipMs.toFixed(1)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await run())) console.log(`${k}\t${v}`);
}
