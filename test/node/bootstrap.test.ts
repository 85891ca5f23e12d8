import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

/** Backoff long enough that only an immediate dial can pass the test. */
const LONG = { ...FAST.peerBook, backoffMs: [600_000, 600_000, 600_000] };

test('--bootstrap dials at start a peer the saved peer book holds in backoff', async () => {
  const b = await startNode();
  nodes.push(b);
  const store = new MemoryLevel({ valueEncoding: 'view' }) as never;
  // A first run fails to reach B (a dead port) and saves B in lifesupport, next attempt in 10 minutes.
  const first = await createNode({ ...FAST, store, peerBook: LONG });
  await first.start();
  const dead = addrOf(b).replace(/\/tcp\/\d+\//, '/tcp/1/');
  await assert.rejects(first.connect(dead), { code: 'MURMUR_DIAL_FAILED' });
  await until(() => first.peers().some((p) => p.peerId === b.peerId && p.state === 'lifesupport'), {
    what: 'B in backoff',
  });
  const saved = first.peers().find((p) => p.peerId === b.peerId);
  assert.ok((saved?.nextAttemptAt ?? 0) > Date.now() + 60_000, 'the next attempt is minutes away');
  await first.stop();

  // The next run is given B as bootstrap: it dials B at start, not at the saved schedule.
  const second = await createNode({ ...FAST, store, peerBook: LONG, bootstrap: [addrOf(b)] });
  await second.start();
  nodes.push(second);
  await until(() => stateOf(second, b.peerId) === 'active', {
    timeoutMs: 30_000,
    what: 'the bootstrap peer connected at start',
  });
});
