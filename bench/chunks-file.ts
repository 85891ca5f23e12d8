/**
 * put + get of a large file through the splitter and joiner with a LevelDB chunk store: MB/s and peak
 * RSS (sampled). The input is generated on the fly and the output hashed, so neither is held in memory.
 * `FILE_MB=n` sets the size (default 100).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { join } from '../src/chunks/file/joiner.ts';
import { split, storeSink } from '../src/chunks/file/splitter.ts';
import { ChunkStore } from '../src/chunks/store.ts';
import { peakRss } from './net-common.ts';

export async function run(): Promise<Record<string, unknown>> {
  const mb = Number(process.env.FILE_MB ?? 100);
  const size = mb * 2 ** 20;
  const dir = mkdtempSync(joinPath(tmpdir(), 'murmur-bench-file-'));
  const db = new ClassicLevel(joinPath(dir, 'db'));
  try {
    const store = new ChunkStore(db, { overlay: new Uint8Array(32) });
    await store.open();
    const block = new Uint8Array(randomBytes(1 << 20));
    const inHash = createHash('sha256');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < mb; i++) {
        block[0] = i & 0xff; // vary the blocks so chunks differ
        block[1] = i >> 8;
        inHash.update(block);
        yield block;
      }
    }
    const baseRss = Math.round(process.memoryUsage.rss() / 2 ** 20);
    let m = peakRss();
    const t0 = performance.now();
    const r = await split(source(), storeSink(store), { batchSize: 128 });
    const putMs = performance.now() - t0;
    const putPeak = m.stop();
    m = peakRss();
    const outHash = createHash('sha256');
    let got = 0;
    const t1 = performance.now();
    for await (const part of join((a) => store.get(a), r.root, { concurrency: 32 })) {
      outHash.update(part);
      got += part.length;
    }
    const getMs = performance.now() - t1;
    const getPeak = m.stop();
    if (got !== size || outHash.digest('hex') !== inHash.digest('hex')) throw new Error('file mismatch');
    return {
      mib: mb,
      chunks: r.chunks,
      put_mb_per_s: +(size / 1e6 / (putMs / 1000)).toFixed(1),
      get_mb_per_s: +(size / 1e6 / (getMs / 1000)).toFixed(1),
      rss_before_mib: baseRss,
      put_peak_rss_mib: putPeak,
      get_peak_rss_mib: getPeak,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await run());
}
