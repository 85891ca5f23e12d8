import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { memoryPair } from '../../src/streamer/channel.ts';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { initiateSync, respondSync } from '../../src/tree/net/sync.ts';
import {
  decodeAnnounce,
  decodePush,
  decodeSync,
  encodeAnnounce,
  encodePush,
  encodeSync,
  SYNC_BUNDLE,
  SYNC_OPEN,
} from '../../src/tree/net/wire.ts';
import { enc, openTree } from './helpers.ts';

const STABLE = ['MURMUR_TREE_MALFORMED', 'MURMUR_TREE_TOO_LARGE'];
function check(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isMurmurError(err) && STABLE.includes(err.code), String(err));
  }
}

test('wire decoders: random and corrupted bytes decode or throw a stable MurmurError', () => {
  const ann = encodeAnnounce({
    tree: new Uint8Array(32).fill(1),
    rootHash: new Uint8Array(16).fill(2),
    count: 99,
  });
  assert.deepEqual(decodeAnnounce(ann).count, 99);
  const open = encodeSync({ type: SYNC_OPEN, tree: new Uint8Array(32), message: Uint8Array.of(1, 2, 3) });
  const samples = [
    ann,
    open,
    encodePush(new Uint8Array(32), Uint8Array.of(1, 2)),
    Uint8Array.of(SYNC_BUNDLE, 1),
  ];
  const all = (b: Uint8Array): void => {
    check(() => decodeAnnounce(b));
    check(() => decodeSync(b));
    check(() => decodePush(b));
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), all), { numRuns: 1000 });
  fc.assert(
    fc.property(fc.nat(3), fc.nat(), fc.integer({ min: 0, max: 255 }), (k, i, v) => {
      const b = samples[k]!.slice();
      b[i % b.length] = v;
      all(b);
      all(b.subarray(0, i % b.length));
    }),
    { numRuns: 1000 },
  );
  check(() => decodeAnnounce(new Uint8Array(10_000)));
  check(() => decodeSync(new Uint8Array(20 * 1024 * 1024)));
});

test('a sync session over a memory channel reconciles both ways and flags subscriptions dirty meanwhile', async () => {
  const root = generateSigner();
  const a = await openTree(root);
  const b = await openTree(root);
  for (let i = 0; i < 300; i++) await a.put(`/a/${i}`, enc(`a${i}`));
  for (let i = 0; i < 5; i++) await b.put(`/b/${i}`, enc(`b${i}`));
  const sub = await b.subscribe('/a/1');
  const dirty: boolean[] = [];
  sub.on('dirty', (s) => dirty.push(s.dirty));
  const [ca, cb] = memoryPair();
  const responder = (async () => {
    const it = cb[Symbol.asyncIterator]();
    const first = await it.next();
    return respondSync(cb, decodeSync(first.value as Uint8Array), (r) =>
      toHex(r) === b.rootHex ? b : undefined,
    );
  })();
  const res = await initiateSync(ca, a);
  await responder;
  assert.deepEqual(toHex(a.rootHash()), toHex(b.rootHash()));
  assert.equal(res.recordsSent, 300);
  assert.equal(res.recordsReceived, 5);
  assert.ok(res.roundTrips <= 3);
  assert.deepEqual(dirty, [true, false]);
  assert.equal(sub.state.hasValue, true);
  // equal trees: one small exchange
  const [c1, c2] = memoryPair();
  const r2 = (async () => {
    const first = await c2[Symbol.asyncIterator]().next();
    return respondSync(c2, decodeSync(first.value as Uint8Array), () => b);
  })();
  const again = await initiateSync(c1, a);
  await r2;
  assert.equal(again.roundTrips, 1);
  assert.ok(again.bytesSent + again.bytesReceived < 100, `${again.bytesSent + again.bytesReceived} bytes`);
});
