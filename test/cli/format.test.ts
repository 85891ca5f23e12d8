import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStorage } from '../../src/cli/murmur/format.ts';

test('murmur status says how much of the chunk store is copies kept for the neighbourhood', () => {
  const text = formatStorage({
    usedBytes: 300 * 1048576,
    capacityBytes: 1024 * 1048576,
    chunks: 76_800,
    pinnedChunks: 25_600,
    pinnedBytes: 100 * 1048576,
    evictedChunks: 0,
  });
  assert.match(
    text,
    /^storage {4}300\.0 MiB of 1\.00 GiB, 76800 chunks, 25600 pinned \(100\.0 MiB\), 0 evicted\n/,
  );
  assert.match(
    text,
    /200\.0 MiB of it are copies kept for the neighbourhood \(pull-sync; evicted farthest first/,
  );
});
