import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Puller } from '../../src/chunks/puller.ts';
import { decode } from '../../src/chunks/pullsync/messages.ts';
import { PullSyncStats } from '../../src/chunks/pullsync/stats.ts';
import { until } from '../helpers/cluster.ts';
import { chunksInBin, TestNet } from './helpers.ts';

const nets: TestNet[] = [];
after(async () => {
  for (const n of nets) await n.close();
});

/** Window of the downstream (recordStep): what may be sent after a cancel at most. */
const WINDOW = 8;

/** An upstream with 64 chunks in bin 1 (one page) and a downstream wanting it in windows of 8. */
async function pair() {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up', { pageLimit: 64 });
  const down = await net.add('down', { pageLimit: 64, recordStep: WINDOW });
  await up.store.putMany(chunksInBin(64, 1));
  // count the deliveries the upstream puts on the wire
  const sent = { n: 0 };
  net.faults = {
    up: {
      drop: (frame) => {
        if (decode(frame).case === 'delivery') sent.n++;
        return false;
      },
    },
  };
  return { net, up, down, sent };
}

test('CancelRuid stops the upstream mid-page: at most one window is sent after it', async () => {
  const { up, down, sent } = await pair();
  let atCancel: number | undefined;
  // a slow consumer: the first window's record step cancels the request by ruid and waits until the
  // upstream took the cancel; the downstream keeps its stream open and goes on wanting the next
  // windows (an upstream that ignored the cancel would deliver the whole page)
  const sync = down.client.syncInterval('up', 1, 1n, 64n, {
    ruid: 42,
    onStored: async () => {
      if (atCancel !== undefined) return;
      atCancel = sent.n;
      await down.client.cancelRuid('up', 42);
      await until(() => up.server.stats.cancelled === 1, { what: 'cancel received', everyMs: 1 });
    },
  });
  await assert.rejects(sync);
  assert.equal(up.server.stats.cancelled, 1);
  assert.deepEqual(up.server.running('down'), []);
  assert.ok(atCancel !== undefined);
  assert.ok(sent.n - atCancel <= WINDOW, `${sent.n - atCancel} deliveries after the cancel`);
  assert.ok(sent.n < 64, 'the page was not delivered to its end');
});

test('an aborted interval sends CancelRuid and the upstream stops within one window', async () => {
  const { up, down, sent } = await pair();
  const ac = new AbortController();
  let atAbort: number | undefined;
  const sync = down.client.syncInterval('up', 1, 1n, 64n, {
    signal: ac.signal,
    onStored: async () => {
      atAbort ??= sent.n;
      ac.abort();
    },
  });
  await assert.rejects(sync);
  assert.equal(down.client.stats.cancelsSent, 1);
  await until(() => up.server.running('down').length === 0, { what: 'upstream stopped', everyMs: 1 });
  assert.ok(atAbort !== undefined);
  assert.ok(sent.n - atAbort <= WINDOW, `${sent.n - atAbort} deliveries after the abort`);
  assert.ok(sent.n < 64);
});

test('puller: a bin that left the depth and a removed peer are cancelled by ruid', async () => {
  const { up, down } = await pair();
  let depth = 0;
  const puller = new Puller({
    client: down.client,
    intervals: down.intervals,
    stats: new PullSyncStats(),
    depth: () => depth,
    backoffMs: [1],
  });
  after(() => puller.stop());
  puller.add({ peerId: 'up', overlay: new Uint8Array(32), po: 31 });
  // every bin waits live on the upstream (bin 1 after its history)
  await until(() => up.server.running('down').length === 32, { what: '32 live requests', everyMs: 1 });
  depth = 31; // bins 0..30 left the depth
  puller.depthChanged();
  await until(() => down.client.stats.cancelsSent >= 31, { what: '31 cancels', everyMs: 1 });
  await until(() => up.server.running('down').length === 1, { what: 'one bin left', everyMs: 1 });
  assert.deepEqual(puller.subscriptions(), { up: [31] });
  puller.remove('up'); // the peer fell out of the neighbourhood
  await until(() => down.client.stats.cancelsSent >= 32, { what: 'the last cancel', everyMs: 1 });
  await until(() => up.server.running('down').length === 0, { what: 'nothing running', everyMs: 1 });
});
