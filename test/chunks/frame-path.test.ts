/**
 * The zero-copy send/receive path pull-sync relies on: a Delivery written as head + payload equals
 * encodeDelivery, StreamChannel coalesces frames (send and sendJoined) into writes of at most
 * COALESCE_BYTES whose bytes decode back to the same messages, and FrameDecoder returns every frame
 * intact however the byte stream is split.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeDelivery, encodeDeliveryHead } from '../../src/chunks/pullsync/messages.ts';
import { StreamChannel } from '../../src/node/stream-channel.ts';
import { COALESCE_BYTES } from '../../src/node/stream-options.ts';
import { FrameDecoder, frameSize, writeFrame } from '../../src/p2p/framing.ts';
import type { MessageStreamLike } from '../../src/p2p/stream.ts';
import { FrameReader } from '../../src/streamer/channel.ts';

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

test('encodeDeliveryHead(a, d.length) followed by d is encodeDelivery(a, d)', () => {
  fc.assert(
    fc.property(bytes(40), bytes(5000), (address, data) => {
      const head = encodeDeliveryHead(address, data.length);
      const joined = new Uint8Array(head.length + data.length);
      joined.set(head, 0);
      joined.set(data, head.length);
      assert.deepEqual(joined, encodeDelivery(address, data));
    }),
  );
});

test('FrameDecoder returns every frame however the stream is split (views or joined copies)', () => {
  fc.assert(
    fc.property(fc.array(bytes(300), { maxLength: 20 }), fc.array(fc.nat(400)), (messages, cuts) => {
      const total = messages.reduce((n, m) => n + frameSize(m.length), 0);
      const wire = new Uint8Array(total);
      let at = 0;
      for (const m of messages) at = writeFrame(wire, at, m.length, m);
      assert.equal(at, total);
      const points = [...new Set(cuts.map((c) => c % (total + 1)))].sort((a, b) => a - b);
      const dec = new FrameDecoder(1000);
      const out: Uint8Array[] = [];
      let prev = 0;
      for (const p of [...points, total]) {
        out.push(...dec.push(wire.subarray(prev, p)));
        prev = p;
      }
      assert.deepEqual(
        out.map((m) => [...m]),
        messages.map((m) => [...m]),
      );
      assert.equal(dec.buffered, 0);
    }),
  );
});

/** A stream recording its writes; nothing is ever read from it. */
function recorder(): { stream: MessageStreamLike; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  const stream = {
    send: (d: Uint8Array) => {
      writes.push(d.slice());
      return true;
    },
    onDrain: async () => {},
    close: async () => {},
    abort: () => {},
    async *[Symbol.asyncIterator]() {},
  } as unknown as MessageStreamLike;
  return { stream, writes };
}

test('StreamChannel coalesces send and sendJoined frames into writes of at most COALESCE_BYTES', async () => {
  const { stream, writes } = recorder();
  let outBytes = 0;
  let outMessages = 0;
  const ch = new StreamChannel(stream, {
    maxBytes: 200_000,
    idleTimeoutMs: 1000,
    onBytes: (_d, n) => {
      outBytes += n;
    },
    onMessage: (_d, n = 1) => {
      outMessages += n;
    },
  });
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const body = new Uint8Array(4096 + i).fill(i);
    const head = new Uint8Array([i, 1, 2]);
    if (i % 2 === 0) await ch.sendJoined(head, body);
    else {
      const whole = new Uint8Array(head.length + body.length);
      whole.set(head);
      whole.set(body, head.length);
      await ch.send(whole);
    }
    const m = new Uint8Array(head.length + body.length);
    m.set(head);
    m.set(body, head.length);
    sent.push(m);
  }
  const big = new Uint8Array(100_000).fill(7); // larger than one write: written alone
  await ch.send(big);
  sent.push(big);
  ch.close();
  for (const w of writes.slice(0, -1)) assert.ok(w.length <= COALESCE_BYTES);
  assert.ok(writes.length < 41, `frames were coalesced: ${writes.map((w) => w.length).join(',')}`);
  const dec = new FrameDecoder(200_000);
  const got = writes.flatMap((w) => dec.push(w));
  assert.equal(got.length, sent.length);
  for (const [i, m] of sent.entries()) assert.deepEqual(got[i], m);
  assert.equal(outMessages, sent.length);
  assert.equal(
    outBytes,
    writes.reduce((n, w) => n + w.length, 0),
  );
});

test('StreamChannel.trySend sends frames without a promise, and refuses (sending nothing) while a write has not drained', async () => {
  const writes: Uint8Array[] = [];
  let full = false;
  let drained: () => void = () => {};
  const stream = {
    send: (d: Uint8Array) => {
      writes.push(d.slice());
      return !full;
    },
    onDrain: () =>
      new Promise<void>((r) => {
        drained = r;
      }),
    close: async () => {},
    abort: () => {},
    async *[Symbol.asyncIterator]() {},
  } as unknown as MessageStreamLike;
  const ch = new StreamChannel(stream, { maxBytes: 200_000, idleTimeoutMs: 1000 });
  const sent: Uint8Array[] = [];
  const frame = (i: number): [Uint8Array, Uint8Array] => [new Uint8Array([i]), new Uint8Array(4096).fill(i)];
  full = true; // the first write that goes out leaves the transport over its limit
  let i = 0;
  for (; i < 100; i++) {
    const [h, b] = frame(i);
    if (!ch.trySend(h, b)) break;
    sent.push(new Uint8Array([...h, ...b]));
  }
  assert.ok(i >= 1 && i < 100, `trySend refused once a write was pending (${i})`);
  const written = writes.length;
  assert.equal(ch.trySend(...frame(i)), false, 'still refused before the drain');
  assert.equal(writes.length, written, 'a refused frame is not written');
  full = false;
  drained();
  await new Promise((r) => setImmediate(r));
  for (; i < 100; i++) {
    const [h, b] = frame(i);
    if (!ch.trySend(h, b)) await ch.sendJoined(h, b);
    sent.push(new Uint8Array([...h, ...b]));
  }
  ch.close();
  const dec = new FrameDecoder(200_000);
  const got = writes.flatMap((w) => dec.push(w));
  assert.equal(got.length, sent.length);
  for (const [k, m] of sent.entries()) assert.deepEqual(got[k], m, `frame ${k} in order`);
  assert.throws(() => ch.trySend(new Uint8Array(1)), { code: 'MURMUR_STREAMER_CLOSED' });
});

test('StreamChannel.takeBuffered and FrameReader.tryNext return buffered frames in order, interleaved with next()', async () => {
  const frames = Array.from({ length: 30 }, (_, i) => new Uint8Array(10 + i).fill(i));
  const wire = new Uint8Array(frames.reduce((n, f) => n + frameSize(f.length), 0));
  let at = 0;
  for (const f of frames) at = writeFrame(wire, at, f.length, f);
  // the frames arrive in three transport reads
  const parts = [wire.subarray(0, 100), wire.subarray(100, 400), wire.subarray(400)];
  const stream = {
    send: () => true,
    onDrain: async () => {},
    close: async () => {},
    abort: () => {},
    async *[Symbol.asyncIterator]() {
      for (const p of parts) yield p;
    },
  } as unknown as MessageStreamLike;
  let inMessages = 0;
  const ch = new StreamChannel(stream, {
    maxBytes: 1000,
    idleTimeoutMs: 1000,
    onMessage: (d, n = 1) => {
      if (d === 'in') inMessages += n;
    },
  });
  const reader = new FrameReader(ch);
  assert.equal(reader.tryNext(), undefined, 'nothing buffered before the first read');
  const got: Uint8Array[] = [];
  let fast = 0;
  while (got.length < frames.length) {
    const f = reader.tryNext();
    if (f !== undefined) fast++;
    got.push(f ?? (await reader.next({ timeoutMs: 1000 })));
  }
  assert.deepEqual(
    got.map((f) => [...f]),
    frames.map((f) => [...f]),
  );
  assert.ok(fast > 0, 'some frames were taken without waiting');
  assert.equal(inMessages, frames.length, 'every frame counted once');
  await assert.rejects(reader.next({ timeoutMs: 1000 }), { code: 'MURMUR_STREAMER_CLOSED' });
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => new FrameReader(ch).tryNext(ac.signal), { code: 'MURMUR_ABORTED' });
});
