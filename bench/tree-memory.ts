/**
 * Heap bytes per held entry of a TreeStore on LevelDB (classic-level in a temp folder, so the
 * records on disk are not in the JS heap): 10^5 and 10^6 entries (TREE_BENCH_MEM_SIZES, comma
 * separated), distinct keys `/mem/<base36>`, 64-byte values, all signed by the root.
 *
 * The entries are signed for real (Ed25519, by the root signer) but ingested in bundles of 2,000
 * with `verify: false` (the path records loaded from disk take): 10^6 verifications would only add
 * time, not memory. Measured: (heapUsed + arrayBuffers) after a full GC, minus the same for the
 * empty store, divided by the entry count; the reconciliation id set is built before measuring.
 *
 *   npx node --expose-gc bench/tree-memory.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { packHlc } from '../src/tree/hlc.ts';
import { generateSigner, toHex } from '../src/tree/keys.ts';
import { makeEntry } from '../src/tree/records.ts';
import { TreeStore } from '../src/tree/store.ts';
import type { Entry } from '../src/tree/types.ts';

const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function measure(count: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-tree-mem-'));
  const db = new ClassicLevel<string | Uint8Array, string | Uint8Array>(dir);
  const root = generateSigner();
  const tree = root.publicKey;
  const rootHex = toHex(tree);
  const value = new Uint8Array(64).fill(7);
  try {
    const store = new TreeStore(db);
    await store.open();
    await store.join(rootHex);
    const before = heap();
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    let signMs = 0;
    const batch = 2_000;
    for (let i = 0; i < count; i += batch) {
      const s0 = performance.now();
      const entries: Entry[] = [];
      for (let j = i; j < Math.min(count, i + batch); j++) {
        entries.push(
          makeEntry(root, {
            tree,
            key: `/mem/${j.toString(36)}`,
            value,
            timestamp: packHlc(1_700_000_000_000 + j, 0),
          }),
        );
      }
      signMs += performance.now() - s0;
      await store.ingest(rootHex, { entries }, { verify: false });
    }
    const state = store.tree(rootHex);
    state.idSet();
    const buildMs = performance.now() - t0;
    const after = heap();
    const rss = process.memoryUsage().rss - rssBefore;
    if (state.fingerprint.count !== count) throw new Error(`held ${state.fingerprint.count} of ${count}`);
    await store.close();
    return {
      entries: count,
      heapBytesPerEntry: Math.round((after - before) / count),
      heapMiB: Math.round((after - before) / 2 ** 20),
      rssGrowthMiB: Math.round(rss / 2 ** 20),
      signSeconds: Number((signMs / 1000).toFixed(1)),
      ingestSeconds: Number(((buildMs - signMs) / 1000).toFixed(1)),
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  if (gc === undefined) {
    // `npm run bench` runs without --expose-gc: measure in a child process that has it
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out) as Record<string, unknown>;
  }
  const sizes = (process.env.TREE_BENCH_MEM_SIZES ?? '100000,1000000').split(',').map(Number);
  const out: Record<string, unknown> = {
    note: 'entries signed by the root, ingested with verify:false in bundles of 2000; LevelDB on disk',
  };
  for (const n of sizes) {
    const r = await measure(n);
    for (const [k, v] of Object.entries(r)) out[`${n} ${k}`] = v;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--json')) console.log(JSON.stringify(await run()));
  else for (const [k, v] of Object.entries(await run())) console.log(`${k}\t${v}`);
}
