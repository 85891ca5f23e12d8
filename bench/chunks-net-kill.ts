/**
 * Bytes re-transferred after a kill -9 during pull-sync: daemon A holds a file (`FILE_MB`, default 40);
 * daemon B connects and syncs it; B is killed with SIGKILL once it holds `KILL_AT` (default 0.3) of the
 * chunks, restarted on the same folder, and syncs to the end. Re-transferred = chunks A delivered in
 * total − chunks there are (A's delivery counter, `sentChunks`); bytes likewise from `sentBytes`.
 * The bound the design promises: at most one page (128 chunks) per bin in flight at the kill.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiClient } from '../src/api/index.ts';
import { RECORD_STEP } from '../src/chunks/pullsync/constants.ts';
import { type Daemon, murmur, startDaemon } from '../test/cli/helpers.ts';
import { printTable } from './chunks-net-common.ts';

interface ChunkStatus {
  cursors: string[];
  pullsync: { delivered: number; sentChunks: number; sentBytes: number };
}

const status = async (dir: string): Promise<ChunkStatus> =>
  (await (await ApiClient.fromDataDir(dir)).request('GET', '/v1/chunks')) as ChunkStatus;
const stored = (s: ChunkStatus): number => s.cursors.reduce((n, c) => n + Number(c), 0);

async function poll(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const mb = Number(process.env.FILE_MB ?? 40);
  const killAt = Number(process.env.KILL_AT ?? 0.3);
  const root = mkdtempSync(join(tmpdir(), 'murmur-bench-kill-'));
  const [da, db] = [join(root, 'a'), join(root, 'b')];
  const daemons: Daemon[] = [];
  try {
    const file = join(root, 'in.bin');
    writeFileSync(file, randomBytes(mb * 2 ** 20));
    const a = await startDaemon(da);
    daemons.push(a);
    const put = await murmur(['put', file, '--data', da]);
    if (put.code !== 0) throw new Error(`put: ${put.stderr}`);
    const sa = await status(da);
    const total = stored(sa);
    const binsWithData = sa.cursors.filter((c) => c !== '0').length;
    const addrA = (await (await ApiClient.fromDataDir(da)).status()).addresses.find((x) =>
      x.includes('/ip4/127.0.0.1/'),
    );
    if (addrA === undefined) throw new Error('A has no loopback address');

    let b = await startDaemon(db);
    daemons.push(b);
    await murmur(['connect', addrA, '--data', db]);
    await poll(async () => stored(await status(db)) >= total * killAt, 120_000, 'sync under way');
    b.child.kill('SIGKILL');
    await b.exited;
    const atKill = await status(da);

    b = await startDaemon(db);
    daemons.push(b);
    const afterRestart = stored(await status(db));
    await murmur(['connect', addrA, '--data', db]);
    await poll(async () => stored(await status(db)) === total, 300_000, 'sync complete after restart');
    const end = await status(da);
    const retransferred = end.pullsync.sentChunks - total;
    const bytesPerChunk = end.pullsync.sentBytes / end.pullsync.sentChunks;
    const rows = [
      {
        file_mib: mb,
        chunks: total,
        bins_with_data: binsWithData,
        sent_before_kill: atKill.pullsync.sentChunks,
        stored_on_b_after_restart: afterRestart,
        retransferred_chunks: retransferred,
        retransferred_kib: Math.round((retransferred * bytesPerChunk) / 1024),
        bound_chunks: 2 * RECORD_STEP * binsWithData,
      },
    ];
    return {
      rows,
      chunks: total,
      retransferred_chunks: retransferred,
      retransferred_kib: rows[0]?.retransferred_kib,
      in_flight_at_kill: atKill.pullsync.sentChunks - afterRestart,
      bound_chunks: 2 * RECORD_STEP * binsWithData,
    };
  } finally {
    for (const d of daemons) {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        await d.exited;
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  printTable(r.rows as Record<string, unknown>[]);
}
