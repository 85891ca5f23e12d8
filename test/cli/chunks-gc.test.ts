import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonScope, murmur, poll, startDaemon } from './helpers.ts';

const { daemons, tmp } = daemonScope('murmur-chunks-gc-');

const json = async (args: string[]): Promise<Record<string, unknown>> => {
  const r = await murmur([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

test('murmur start --chunks-capacity 1MiB: usage stays within capacity (pins kept), pin / unpin / pins', async () => {
  const dir = await tmp();
  const d = await startDaemon(dir, ['--chunks-capacity', '1MiB']);
  daemons.push(d);
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const f = join(dir, `f${i}.bin`);
    await writeFile(f, randomBytes(600_000));
    files.push(f);
  }
  const mine = await json(['put', files[0]!, '--data', dir]);
  assert.equal(mine.pinned, true, 'murmur put pins by default');
  const root = mine.root as string;
  for (const f of files.slice(1)) {
    const r = await json(['put', f, '--no-pin', '--data', dir]);
    assert.equal(r.pinned, false);
  }
  type Storage = { usedBytes: number; capacityBytes: number; pinnedBytes: number; evictedChunks: number };
  let storage: Storage | undefined;
  await poll(
    async () => {
      storage = (await json(['status', '--data', dir])).storage as Storage;
      return storage.usedBytes <= storage.capacityBytes;
    },
    60_000,
    'usage back within capacity',
  );
  assert.equal(storage!.capacityBytes, 1024 * 1024);
  assert.ok(storage!.evictedChunks > 0, 'unpinned chunks evicted');
  assert.ok(storage!.pinnedBytes >= 600_000, 'the pinned upload counted');
  const text = await murmur(['status', '--data', dir]);
  assert.match(text.stdout, /storage +[\d.]+ (KiB|MiB) of 1\.00 MiB/);
  // the pinned file is whole
  const out = join(dir, 'back.bin');
  assert.equal((await murmur(['get', root, '-o', out, '--data', dir])).code, 0);
  assert.deepEqual(await readFile(out), await readFile(files[0]!));

  const pins = (await json(['pins', '--data', dir])).pins as { root: string }[];
  assert.deepEqual(
    pins.map((p) => p.root),
    [root],
  );
  const un = await json(['unpin', root, '--data', dir]);
  assert.equal(un.root, root);
  assert.deepEqual((await json(['pins', '--data', dir])).pins, []);
  const again = await murmur(['unpin', root, '--data', dir]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /MURMUR_CHUNKS_NOT_PINNED/);
  const p = await json(['pin', root, '--data', dir]);
  assert.equal(p.root, root);
  assert.ok((p.chunks as number) >= 148);
  const listed = await murmur(['pins', '--data', dir]);
  assert.match(listed.stdout, new RegExp(root));
  const bad = await murmur(['pin', 'nothex', '--data', dir]);
  assert.match(bad.stderr, /MURMUR_INVALID_ARGUMENT/);
});

test('murmur start refuses a bad --chunks-capacity, MURMUR_CHUNKS_CAPACITY or chunksCapacity', async () => {
  const dir = await tmp();
  const r = await murmur(['start', '--data', dir, '--chunks-capacity', '12XB', '--api', '127.0.0.1:0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /MURMUR_CONFIG_INVALID: chunk store capacity/);
  const e = await murmur(['start', '--data', dir, '--api', '127.0.0.1:0'], { MURMUR_CHUNKS_CAPACITY: '-1' });
  assert.match(e.stderr, /MURMUR_CONFIG_INVALID: chunk store capacity/);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ chunksCapacity: true }));
  const c = await murmur(['start', '--data', dir, '--api', '127.0.0.1:0']);
  assert.match(c.stderr, /MURMUR_CONFIG_INVALID: .*chunksCapacity/);
});
