import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClockOffset, formatStatus, formatStorage } from '../../src/cli/murmur/format.ts';

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

test('murmur status shows the clock offset against the peers when there is one', () => {
  assert.equal(formatClockOffset({ offsetMs: 600_000, peers: 2 }), '+600.0 s vs the median of 2 peers');
  assert.equal(formatClockOffset({ offsetMs: -1500, peers: 1 }), '−1.5 s vs the median of 1 peer');
  const base = {
    peerId: 'p',
    overlay: 'o',
    networkId: 'n',
    addresses: [],
    depth: 0,
    bins: new Array(32).fill(0),
    peers: { connecting: 0, active: 1, lifesupport: 0, purgatory: 0 },
    uptimeMs: 1000,
    counters: {},
  };
  assert.doesNotMatch(formatStatus(base), /^clock/m);
  assert.match(
    formatStatus({ ...base, clockOffset: { offsetMs: 600_000, peers: 1 } }),
    /^clock +\+600\.0 s/m,
  );
});
