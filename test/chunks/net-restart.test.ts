import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../src/api/index.ts';
import { RECORD_STEP, WINDOWS_AHEAD } from '../../src/chunks/pullsync/constants.ts';
import { daemonScope, murmur, poll, startDaemon } from '../cli/helpers.ts';

const { daemons, tmp } = daemonScope('murmur-kill-');

interface ChunkStatus {
  cursors: string[];
  subscriptions: Record<string, number[]>;
  pullsync: { delivered: number; sentChunks: number };
}

const status = async (dir: string): Promise<ChunkStatus> =>
  (await (await ApiClient.fromDataDir(dir)).request('GET', '/v1/chunks')) as ChunkStatus;
const stored = (s: ChunkStatus): number => s.cursors.reduce((n, c) => n + Number(c), 0);

test('kill -9 of a syncing node: after restart it resumes and re-transfers at most one page per bin', async () => {
  const [da, db, work] = await Promise.all([tmp(), tmp(), tmp()]);
  const a = await startDaemon(da!);
  daemons.push(a);
  const file = join(work!, 'big.bin');
  await writeFile(file, randomBytes(12 * 1024 * 1024));
  const put = await murmur(['put', file, '--data', da!]);
  assert.equal(put.code, 0, put.stderr);
  const total = stored(await status(da!));
  assert.ok(total > 3000);

  let b = await startDaemon(db!);
  daemons.push(b);
  const addrA = (await (await ApiClient.fromDataDir(da!)).status()).addresses.find((x) =>
    x.includes('/ip4/127.0.0.1/'),
  )!;
  assert.equal((await murmur(['connect', addrA, '--data', db!])).code, 0);
  // kill -9 in the middle of the sync
  await poll(async () => stored(await status(db!)) > total / 4, 60_000, 'sync under way');
  b.child.kill('SIGKILL');
  await b.exited;
  const sentBeforeRestart = (await status(da!)).pullsync.sentChunks;
  assert.ok(sentBeforeRestart < total, 'killed before the end');

  b = await startDaemon(db!);
  daemons.push(b);
  // the peer book redials A; connect explicitly too in case the redial is still backing off
  await murmur(['connect', addrA, '--data', db!]);
  await poll(async () => stored(await status(db!)) === total, 90_000, 'sync complete after restart');
  const s = await status(da!);
  const retransferred = s.pullsync.sentChunks - total;
  const binsWithData = (await status(da!)).cursors.filter((c) => c !== '0').length;
  process.stderr.write(
    `kill -9 resume: ${total} chunks, ${sentBeforeRestart} sent before the kill, ${retransferred} re-transferred (bins with data ${binsWithData})\n`,
  );
  assert.ok(retransferred >= 0);
  // At most the page in flight of each bin's stream (history pages run per bin concurrently).
  assert.ok(retransferred <= WINDOWS_AHEAD * RECORD_STEP * binsWithData, `re-transferred ${retransferred}`);
});
