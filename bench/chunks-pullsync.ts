/**
 * Pull-sync throughput of 4 KiB chunks between two chunk stores (LevelDB each, in temp folders) over an
 * in-memory frame channel, next to raw LevelDB batched writes of the same bytes (the storage ceiling).
 * `CHUNKS=n` sets the chunk count (default 10000 = 40 MiB).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { type Chunk, makeChunk } from '../src/chunks/chunk.ts';
import { IntervalStore } from '../src/chunks/intervals/interval-store.ts';
import { PullSyncClient } from '../src/chunks/pullsync/client.ts';
import { PullSyncServer } from '../src/chunks/pullsync/server.ts';
import { syncBin } from '../src/chunks/pullsync/syncer.ts';
import { ChunkStore } from '../src/chunks/store.ts';
import { memoryPair } from '../src/streamer/channel.ts';

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.CHUNKS ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  const overlay = new Uint8Array(32); // all chunks: compute bins against a zero overlay
  const upDb = new ClassicLevel(join(dir, 'up'));
  const downDb = new ClassicLevel(join(dir, 'down'));
  const rawDb = new ClassicLevel<string, Uint8Array>(join(dir, 'raw'), { valueEncoding: 'view' });
  try {
    const up = new ChunkStore(upDb, { overlay });
    const down = new ChunkStore(downDb, { overlay });
    await up.open();
    await down.open();
    const chunks: Chunk[] = [];
    for (let i = 0; i < n; i++) chunks.push(makeChunk(new Uint8Array(randomBytes(4096))));
    for (let i = 0; i < n; i += 256) await up.putMany(chunks.slice(i, i + 256), { verify: false });
    const bytes = n * 4096;

    const server = new PullSyncServer({ store: up, pageLimit: 128, pageWaitMs: 50 });
    const client = new PullSyncClient({
      store: down,
      dial: async () => {
        const [a, b] = memoryPair();
        void server.handle('down', b);
        return a;
      },
    });
    const intervals = new IntervalStore(downDb);
    const cursors = up.cursors();
    const t0 = performance.now();
    await Promise.all(
      cursors.map((cursor, bin) =>
        cursor > 0n
          ? syncBin({ client, intervals, peer: 'up', bin, cursor, live: false })
          : Promise.resolve(),
      ),
    );
    const syncMs = performance.now() - t0;
    if (client.stats.delivered !== n) throw new Error(`delivered ${client.stats.delivered} of ${n}`);
    await server.close();

    const t1 = performance.now();
    for (let i = 0; i < n; i += 128) {
      const batch = rawDb.batch();
      for (const c of chunks.slice(i, i + 128)) batch.put(Buffer.from(c.address).toString('hex'), c.data);
      await batch.write();
    }
    const rawMs = performance.now() - t1;
    return {
      chunks: n,
      mib: bytes / 2 ** 20,
      pullsync_ms: Math.round(syncMs),
      pullsync_chunks_per_s: Math.round(n / (syncMs / 1000)),
      pullsync_mb_per_s: +(bytes / 1e6 / (syncMs / 1000)).toFixed(1),
      raw_leveldb_ms: Math.round(rawMs),
      raw_leveldb_mb_per_s: +(bytes / 1e6 / (rawMs / 1000)).toFixed(1),
      ratio_to_raw: +(rawMs / syncMs).toFixed(2),
    };
  } finally {
    await Promise.all([upDb.close(), downDb.close(), rawDb.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await run());
}
