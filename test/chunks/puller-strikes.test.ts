import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Puller } from '../../src/chunks/puller.ts';
import { PullSyncStats } from '../../src/chunks/pullsync/stats.ts';
import { isMurmurError, MurmurError } from '../../src/errors/index.ts';
import { type Logger, silentLogger } from '../../src/log/index.ts';
import { until } from '../helpers/cluster.ts';
import { chunksInBin, TestNet } from './helpers.ts';

const nets: TestNet[] = [];
after(async () => {
  for (const n of nets) await n.close();
});

/** A logger that records the messages logged at debug (the syncer's "stopped syncing bin"). */
function recorder(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    debug: (_obj, msg) => {
      if (msg !== undefined) messages.push(msg);
    },
    child: () => logger,
  };
  return { logger, messages };
}

test('a peer breaking pull-sync on many bins at once is reported once for its session, not once per bin', async () => {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up');
  const down = await net.add('down');
  const BINS = [0, 1, 2, 3, 4, 5];
  for (const bin of BINS) await up.store.putMany(chunksInBin(4, bin));
  // the cursors answer (small) goes through; every offer (4 hashes, > 100 bytes) is cut to garbage
  net.faults = { up: { corrupt: (f) => (f.length > 100 ? f.subarray(0, 3) : f) } };
  const { logger, messages } = recorder();
  const fatal: unknown[] = [];
  const puller = new Puller({
    client: down.client,
    intervals: down.intervals,
    stats: new PullSyncStats(),
    depth: () => 0,
    logger,
    backoffMs: [1],
    onFatal: (_peer, err) => fatal.push(err),
  });
  puller.add({ peerId: 'up', overlay: new Uint8Array(32), po: 0 });
  const stopped = (): number =>
    messages.filter((m) => m === 'pullsync: stopped syncing bin from peer').length;
  await until(() => stopped() >= BINS.length, { what: 'every bin with chunks stopped' });
  puller.stop();
  assert.equal(fatal.length, 1, 'one incident, one report');
  assert.ok(isMurmurError(fatal[0]), String(fatal[0]));
});

test('a peer that does not serve pull-sync is listed, never reported', async () => {
  const net = new TestNet();
  nets.push(net);
  const down = await net.add('down');
  const fatal: unknown[] = [];
  let dials = 0;
  const client = Object.create(down.client) as typeof down.client;
  client.getCursors = async () => {
    dials++;
    throw new MurmurError('MURMUR_PROTOCOL_UNSUPPORTED', 'lib does not serve pull-sync');
  };
  const puller = new Puller({
    client,
    intervals: down.intervals,
    stats: new PullSyncStats(),
    depth: () => 0,
    backoffMs: [1],
    onFatal: (_peer, err) => fatal.push(err),
  });
  puller.add({ peerId: 'lib', overlay: new Uint8Array(32), po: 0 });
  await until(() => puller.notServing().includes('lib'), { what: 'lib listed as not serving' });
  assert.deepEqual(fatal, []);
  assert.equal(dials, 1, 'not retried on this connection');
  puller.remove('lib');
  assert.deepEqual(puller.notServing(), []);
  puller.stop();
});
