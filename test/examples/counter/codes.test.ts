import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { MemoryLevel } from 'memory-level';
import { StateSchema } from '../../../examples/counter/proto/counters_pb.js';
import { counterRoutes } from '../../../examples/counter/routes.ts';
import { COUNTERS_PROTOCOL, CountersService } from '../../../examples/counter/service.ts';
import { ApiServer } from '../../../src/api/index.ts';
import { codeInfo, isErrorCode } from '../../../src/errors/index.ts';
import type { ServiceContext } from '../../../src/service/context.ts';
import { raw } from '../../api/helpers.ts';

type Handler = (
  channel: AsyncIterable<Uint8Array> & { close(): void },
  peer: { peerId: string },
) => Promise<void>;

/** A CountersService started on a minimal context that records the protocol handler and the strikes. */
async function started(options: { maxCounters?: number; maxSlots?: number } = {}) {
  const handlers = new Map<string, Handler>();
  const strikes: [string, string][] = [];
  const ctx = {
    peerId: 'me',
    store: new MemoryLevel({ valueEncoding: 'view' }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    clock: { setTimeout: () => 1, clearTimeout() {} },
    handle: async (protocol: string, handler: Handler) => void handlers.set(protocol, handler),
    strike: (peerId: string, kind: string) => void strikes.push([peerId, kind]),
    on: () => () => {},
    peers: () => [],
  };
  const svc = new CountersService(options);
  await svc.start(ctx as unknown as ServiceContext);
  const deliver = async (frame: Uint8Array, peerId: string): Promise<void> => {
    const handler = handlers.get(COUNTERS_PROTOCOL);
    assert.ok(handler, 'the state protocol is served');
    const channel = {
      async *[Symbol.asyncIterator]() {
        yield frame;
      },
      close() {},
    };
    await handler(channel, { peerId });
  };
  return { svc, strikes, deliver };
}

test('the counters codes are registered by the kind itself, with their table', () => {
  for (const code of [
    'MURMUR_COUNTER_BAD_NAME',
    'MURMUR_COUNTER_BAD_AMOUNT',
    'MURMUR_COUNTER_LIMIT',
    'MURMUR_COUNTER_OVERFLOW',
    'MURMUR_COUNTER_NOT_STARTED',
    'MURMUR_COUNTER_STATE_UNDECODABLE',
    'MURMUR_COUNTER_STATE_INVALID',
  ]) {
    assert.ok(isErrorCode(code), code);
  }
  assert.equal(codeInfo('MURMUR_COUNTER_STATE_UNDECODABLE')?.strike, 'undecodable');
  assert.equal(codeInfo('MURMUR_COUNTER_STATE_INVALID')?.strike, 'invalid');
});

test('service: bad names, amounts, bounds and overflow raise the counters codes', async () => {
  await assert.rejects(new CountersService().increment('x'), { code: 'MURMUR_COUNTER_NOT_STARTED' });
  const { svc } = await started({ maxCounters: 1 });
  await assert.rejects(svc.increment('no/slash'), { code: 'MURMUR_COUNTER_BAD_NAME' });
  await assert.rejects(svc.increment('a', 0n), { code: 'MURMUR_COUNTER_BAD_AMOUNT' });
  await assert.rejects(svc.decrement('a', -2n), { code: 'MURMUR_COUNTER_BAD_AMOUNT' });
  assert.equal(await svc.increment('a', (1n << 64n) - 1n), (1n << 64n) - 1n);
  await assert.rejects(svc.increment('a'), { code: 'MURMUR_COUNTER_OVERFLOW' });
  await assert.rejects(svc.increment('b'), { code: 'MURMUR_COUNTER_LIMIT' });
  assert.equal(svc.value('a'), (1n << 64n) - 1n, 'a refused change changes nothing');
});

test('service: a peer sending undecodable bytes is struck undecodable, a state breaking the rules invalid', async () => {
  const { svc, strikes, deliver } = await started({ maxCounters: 2 });
  await deliver(new Uint8Array([0xff, 0xff, 0xff]), 'p1');
  const tooMany = create(StateSchema, { counters: ['a', 'b', 'c'].map((name) => ({ name, slots: [] })) });
  await deliver(toBinary(StateSchema, tooMany), 'p2');
  const badName = create(StateSchema, { counters: [{ name: 'no/slash', slots: [] }] });
  await deliver(toBinary(StateSchema, badName), 'p3');
  const good = create(StateSchema, { counters: [{ name: 'a', slots: [{ peer: 'p4', p: 3n, n: 1n }] }] });
  await deliver(toBinary(StateSchema, good), 'p4');
  assert.deepEqual(strikes, [
    ['p1', 'undecodable'],
    ['p2', 'invalid'],
    ['p3', 'invalid'],
  ]);
  assert.equal(svc.value('a'), 2n, 'a good state is merged, without a strike');
});

test('routes: a bad amount is a 400 MURMUR_COUNTER_BAD_AMOUNT, a bad name a 400 MURMUR_COUNTER_BAD_NAME', async (t) => {
  const { svc } = await started();
  const api = new ApiServer({ token: 'c3'.repeat(32), port: 0 });
  counterRoutes(api, svc);
  await api.start();
  t.after(() => api.stop());
  const post = (name: string, body: unknown) =>
    raw(api.url, {
      method: 'POST',
      path: `/v1/counters/${name}`,
      headers: { authorization: `Bearer ${'c3'.repeat(32)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (const by of [0, 'x', 1.5, '1e3']) {
    const res = await post('hits', { by });
    assert.equal(res.status, 400, String(by));
    assert.equal(JSON.parse(res.body).error.code, 'MURMUR_COUNTER_BAD_AMOUNT', String(by));
  }
  const bad = await post('no%2Fslash', { by: 1 });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).error.code, 'MURMUR_COUNTER_BAD_NAME');
  const ok = await post('hits', { by: '-2' });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.body), { name: 'hits', value: '-2' });
});
