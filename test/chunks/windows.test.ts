import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { originTag } from '../../src/chunks/store.ts';
import { chunksInBin, TestNet } from './helpers.ts';

const nets: TestNet[] = [];
after(async () => {
  for (const n of nets) await n.close();
});

test('a large page is wanted in windows and recorded as it is stored', async () => {
  const net = new TestNet();
  nets.push(net);
  const up = await net.add('up', { pageLimit: 100 });
  const down = await net.add('down', { recordStep: 8 });
  const cs = chunksInBin(100, 2);
  await up.store.putMany(cs);
  // the downstream already holds some: the windows have holes
  await down.store.putMany(cs.filter((_, i) => i % 7 === 3));
  const uptos: bigint[] = [];
  const r = await down.client.syncInterval('up', 2, 1n, 100n, {
    onStored: async (upto) => {
      // everything up to `upto` is stored when it is reported
      for (const it of await up.store.range(2, 1n, upto, 1000)) {
        assert.ok(await down.store.has(it.address), `bin ID ${it.binId} ≤ ${upto} stored`);
      }
      uptos.push(upto);
    },
  });
  assert.equal(r.topmost, 100n);
  assert.ok(uptos.length >= 5, `${uptos.length} windows recorded`);
  for (let i = 1; i < uptos.length; i++) assert.ok(uptos[i]! > uptos[i - 1]!);
  assert.equal(uptos.at(-1), 100n);
  for (const c of cs) assert.ok(await down.store.has(c.address));
  assert.equal(down.client.stats.wanted, 100 - cs.filter((_, i) => i % 7 === 3).length);
  assert.equal(down.client.stats.unsolicited + down.client.stats.invalid, 0);
});

test('chunks are not offered back to the peer they came from', async () => {
  const net = new TestNet();
  nets.push(net);
  const a = await net.add('a', { pageLimit: 64 });
  const b = await net.add('b', { pageLimit: 64 });
  const cs = chunksInBin(20, 1);
  await a.store.putMany(cs);
  await b.client.syncInterval('a', 1, 1n, 20n);
  const items = await b.store.range(1, 1n, 20n, 100);
  assert.equal(items.length, 20);
  for (const it of items) assert.deepEqual(new Uint8Array(it.origin ?? []), originTag('a'));
  // b's bin 1 holds only a's chunks: a gets an empty offer that still covers the range
  const r = await a.client.syncInterval('b', 1, 1n, 20n);
  assert.equal(r.topmost, 20n);
  assert.equal(b.server.stats.offered, 0);
  // a chunk stored on b directly is offered to a as usual
  const own = chunksInBin(1, 1)[0]!;
  await b.store.put(own);
  await a.client.syncInterval('b', 1, 21n, 21n);
  assert.equal(b.server.stats.offered, 1);
  assert.ok(await a.store.has(own.address));
});
