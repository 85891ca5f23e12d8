/**
 * A file transfer with progress: alice stores a 2 MiB file (split into content-addressed 4 KiB
 * chunks); bob, on another node, reads it back by its root address, every chunk verified.
 *
 *   node examples/programs/file-transfer.ts
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunksService, createNode } from 'murmur';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'murmur-files-'));
const listen = ['/ip4/127.0.0.1/tcp/0'];
const alice = await createNode({
  dataDir: join(dir, 'alice'),
  listen,
  services: { chunks: new ChunksService() },
});
const bob = await createNode({
  dataDir: join(dir, 'bob'),
  listen,
  services: { chunks: new ChunksService() },
});
const signal = AbortSignal.timeout(120_000);
const size = 2 * 1024 * 1024;
const percent = (n: bigint): string => `${(Number(n) * 100) / size}%`.replace(/\.\d+/, '');

try {
  await alice.start({ signal });
  await bob.start({ signal });
  await bob.connect(alice.status().addresses[0]!, { signal });

  const file = new Uint8Array(randomBytes(size));
  let shown = 0; // print about every quarter
  const stored = await alice.chunks.put(file, {
    signal,
    onProgress: (n) => {
      if (Number(n) < shown && Number(n) < size) return;
      say(`alice stored ${percent(n)}`);
      shown = Number(n) + size / 4;
    },
  });
  say(`alice: root ${stored.root} (${stored.span} bytes, ${stored.chunks} chunks)`);

  const hash = createHash('sha256');
  let read = 0;
  for await (const piece of bob.chunks.get(stored.root, {
    signal,
    onProgress: (n) => {
      if (Number(n) < read && Number(n) < size) return;
      say(`bob read ${percent(n)}`);
      read = Number(n) + size / 4;
    },
  }))
    hash.update(piece);
  const same = hash.digest('hex') === createHash('sha256').update(file).digest('hex');
  if (!same) throw new Error('bob read other bytes');
  say('bob has the same bytes: ok');
} finally {
  await bob.stop();
  await alice.stop();
  await rm(dir, { recursive: true, force: true });
}
