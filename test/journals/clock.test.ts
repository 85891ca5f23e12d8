/**
 * The journals service runs on ctx.clock: the snapshot policy's time rule and the session re-open
 * delay happen exactly when a VirtualClock is advanced past them (no real waiting), and event and
 * snapshot times are the clock's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { Registry } from 'prom-client';
import { VirtualClock } from '../../src/clock/index.ts';
import { MurmurError } from '../../src/errors/index.ts';
import { JOURNALS_PROTOCOL } from '../../src/journals/constants.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { silentLogger } from '../../src/log/index.ts';
import type { ServiceContext, ServicePeer } from '../../src/service/context.ts';
import { currentProtocolId } from '../../src/service/protocols.ts';
import { enc } from './helpers.ts';

const START = Date.UTC(2030, 0, 1);

/** A ServiceContext on `clock` with the given active peers; every dial is recorded and refused. */
function contextOn(
  clock: VirtualClock,
  peers: ServicePeer[] = [],
): { ctx: ServiceContext; dials: { protocol: string; at: number }[] } {
  const dials: { protocol: string; at: number }[] = [];
  const ctx: ServiceContext = {
    peerId: 'peer-a',
    overlay: new Uint8Array(32),
    networkId: 'test',
    logger: silentLogger,
    clock,
    metrics: new Registry(),
    store: new MemoryLevel<string | Uint8Array, string | Uint8Array>({ valueEncoding: 'view' }) as never,
    lan: undefined,
    handle: async () => {},
    dial: async (_peerId, protocol) => {
      dials.push({ protocol: currentProtocolId(protocol), at: clock.now() });
      throw new MurmurError('MURMUR_PEER_NOT_ACTIVE', 'refused by the test');
    },
    strike: () => {},
    peers: () => peers,
    depth: () => 0,
    on: () => () => {},
    off: () => {},
  };
  return { ctx, dials };
}

test("the snapshot policy's time rule fires when ctx.clock passes everyMs, not before", async () => {
  const clock = new VirtualClock(START);
  const { ctx } = contextOn(clock);
  const svc = new JournalsService({
    writer: generateWriter(),
    autoSnapshot: { everyMs: 60_000, state: (_id, upTo) => enc.encode(String(upTo)) },
  });
  await svc.start(ctx);
  try {
    const { journals } = svc;
    const id = (await journals.create('timed')).id;
    clock.advance(10_000);
    const e = await svc.append(id, enc.encode('one'));
    assert.equal(e.time, START + 10_000, "an event's time is the clock's");
    clock.advance(49_999);
    await journals.autoSnapshots!.settled();
    assert.equal(journals.info(id).snapshot, 0, 'not before everyMs since creation');
    clock.advance(1);
    await journals.autoSnapshots!.settled();
    assert.equal(journals.info(id).snapshot, 1, 'taken by the tick at everyMs');
    assert.equal(journals.info(id).lastSnapshotTime, START + 60_000);
  } finally {
    await svc.stop();
  }
  assert.equal(clock.pending, 0, 'no timer left after stop');
});

test('a session that cannot be opened is retried exactly after reopenMs of ctx.clock', async () => {
  const clock = new VirtualClock(START);
  const peer: ServicePeer = { peerId: 'peer-b', overlay: new Uint8Array(32), po: 0 };
  const { ctx, dials } = contextOn(clock, [peer]);
  const svc = new JournalsService({ writer: generateWriter(), reopenMs: 3_000 });
  await svc.start(ctx);
  const sessions = (): number[] => dials.filter((d) => d.protocol === JOURNALS_PROTOCOL).map((d) => d.at);
  try {
    await clock.tickAsync(0);
    assert.deepEqual(sessions(), [START], 'dialled at start');
    await clock.tickAsync(2_999);
    assert.deepEqual(sessions(), [START], 'not before reopenMs');
    await clock.tickAsync(1);
    assert.deepEqual(sessions(), [START, START + 3_000], 'again at reopenMs');
    await clock.tickAsync(3_000);
    assert.deepEqual(sessions(), [START, START + 3_000, START + 6_000]);
  } finally {
    await svc.stop();
  }
  await clock.tickAsync(30_000);
  assert.equal(sessions().length, 3, 'no re-open after stop');
});
