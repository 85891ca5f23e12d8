/**
 * The FrameChannel guarantees of docs/SERVICES.md ("Channel behaviour", "Caps and timeouts",
 * "Misbehaviour"), as one suite every implementation runs: the memory pair, the node's libp2p stream
 * channel and the simulator's bus channel. A factory gives a connected pair (`a` dialled `b`) with
 * per-end caps and idle timeouts; the suite asserts only what the guarantees say.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ErrorCode, isMurmurError } from '../../src/errors/index.ts';
import type { FrameChannel } from '../../src/streamer/channel.ts';

export interface EndOptions {
  /** Cap on one frame, checked on the announced length (the implementation's default otherwise). */
  maxBytes?: number;
  /** Longest wait for the next frame (the implementation's default otherwise). */
  idleTimeoutMs?: number;
}

export interface ChannelPair {
  a: FrameChannel;
  b: FrameChannel;
  /** Violations reported by either end so far ('oversized', 'undecodable'), as the node strikes them. */
  violations(): string[];
  /** Releases what the factory built (hosts, timers); the channels may already be closed. */
  dispose(): Promise<void>;
}

export type PairFactory = (options: { a?: EndOptions; b?: EndOptions }) => Promise<ChannelPair>;

/** Bounds a wait that the guarantee says ends; a hang becomes a failure naming the guarantee. */
async function within<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads `n` frames (fails if the channel ends first). */
async function take(it: AsyncIterator<Uint8Array>, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) throw new Error(`channel ended after ${out.length} of ${n} frames`);
    out.push(r.value);
  }
  return out;
}

/** Drains a channel to its end; resolves with the frames, rejects with what the iterator threw. */
async function drain(ch: FrameChannel): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of ch) out.push(f);
  return out;
}

const frame = (n: number, size: number): Uint8Array => {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = (n + i) & 0xff;
  return f;
};

const code =
  (c: ErrorCode) =>
  (e: unknown): boolean => {
    assert.ok(isMurmurError(e, c), `expected ${c}, got ${String((e as Error)?.message ?? e)}`);
    return true;
  };

async function withPair(
  factory: PairFactory,
  options: { a?: EndOptions; b?: EndOptions },
  fn: (p: ChannelPair) => Promise<void>,
): Promise<void> {
  const p = await factory(options);
  try {
    await fn(p);
  } finally {
    p.a.close();
    p.b.close();
    await p.dispose();
  }
}

export function frameChannelSuite(name: string, factory: PairFactory): void {
  describe(`FrameChannel compliance: ${name}`, () => {
    test('frames arrive whole and in order, both ways: empty, small and large ones', async () => {
      await withPair(factory, { a: { maxBytes: 1 << 20 }, b: { maxBytes: 1 << 20 } }, async ({ a, b }) => {
        const sizes = [0, 1, 7, 300, 0, 65_536, 200_000, 1 << 20, 5, 0];
        const sent = sizes.map((s, i) => frame(i, s));
        const got = within(take(b[Symbol.asyncIterator](), sent.length), 'a→b frames');
        for (const f of sent) await a.send(f);
        assert.deepEqual(
          (await got).map((f) => Buffer.from(f).toString('hex')),
          sent.map((f) => Buffer.from(f).toString('hex')),
        );
        const back = within(take(a[Symbol.asyncIterator](), 3), 'b→a frames');
        for (const f of sent.slice(5, 8)) await b.send(f);
        assert.deepEqual(
          (await back).map((f) => f.length),
          sizes.slice(5, 8),
        );
      });
    });

    test('many frames to a slow reader: send waits, nothing is lost or reordered', async () => {
      await withPair(factory, {}, async ({ a, b }) => {
        const n = 3000;
        const reader = within(
          (async () => {
            const seen: number[] = [];
            for await (const f of b) {
              seen.push(new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0));
              if (seen.length % 500 === 0) await new Promise((r) => setImmediate(r));
            }
            return seen;
          })(),
          'reader of many frames',
          120_000,
        );
        for (let i = 0; i < n; i++) {
          const f = new Uint8Array(1024);
          new DataView(f.buffer).setUint32(0, i);
          await a.send(f);
        }
        a.close();
        const seen = await reader;
        assert.equal(seen.length, n);
        assert.ok(
          seen.every((v, i) => v === i),
          'frames in order',
        );
      });
    });

    test('iteration ends when the remote closes, after the frames it sent before', async () => {
      await withPair(factory, {}, async ({ a, b }) => {
        const got = within(drain(b), 'end of iteration after remote close');
        await a.send(frame(1, 10));
        await a.send(frame(2, 20));
        a.close();
        assert.deepEqual(
          (await got).map((f) => f.length),
          [10, 20],
        );
      });
    });

    test('send after close throws MURMUR_STREAMER_CLOSED', async () => {
      await withPair(factory, {}, async ({ a }) => {
        a.close();
        await assert.rejects(a.send(frame(0, 4)), code('MURMUR_STREAMER_CLOSED'));
      });
    });

    test('a local close ends a pending read at once', async () => {
      await withPair(factory, {}, async ({ a }) => {
        const it = a[Symbol.asyncIterator]();
        const pending = it.next();
        a.close();
        const r = await within(pending, 'pending read after local close', 5_000);
        assert.equal(r.done, true);
      });
    });

    test('close(err) aborts: the remote sees an error, then its own sends fail', async () => {
      await withPair(factory, {}, async ({ a, b }) => {
        const got = within(drain(b), 'remote read after reset');
        await a.send(frame(0, 8));
        a.close(new Error('aborted by the test'));
        await assert.rejects(got, code('MURMUR_STREAMER_CLOSED'));
        await assert.rejects(b.send(frame(1, 4)), code('MURMUR_STREAMER_CLOSED'));
        await assert.rejects(a.send(frame(2, 4)), code('MURMUR_STREAMER_CLOSED'));
      });
    });

    test('a frame over the receiver cap: violation reported, MURMUR_FRAME_TOO_LARGE, sender reset', async () => {
      await withPair(factory, { a: { maxBytes: 4096 }, b: { maxBytes: 100 } }, async (p) => {
        const it = p.b[Symbol.asyncIterator]();
        await p.a.send(frame(0, 100)); // exactly the cap: accepted
        assert.equal((await within(it.next(), 'frame at the cap')).value?.length, 100);
        const senderEnd = within(drain(p.a), 'sender read after the receiver aborted');
        await p.a.send(frame(1, 101)).catch(() => {}); // may fail if the reset is already back
        await assert.rejects(
          within(it.next(), 'read of the oversized frame'),
          code('MURMUR_FRAME_TOO_LARGE'),
        );
        assert.deepEqual(p.violations(), ['oversized']);
        await assert.rejects(senderEnd, code('MURMUR_STREAMER_CLOSED'));
      });
    });

    test('a frame over the sender own cap is refused at send with MURMUR_FRAME_TOO_LARGE', async () => {
      await withPair(factory, { a: { maxBytes: 100 } }, async ({ a }) => {
        await assert.rejects(a.send(frame(0, 101)), code('MURMUR_FRAME_TOO_LARGE'));
      });
    });

    test('no frame within the idle timeout: the read throws MURMUR_TIMEOUT and the remote is reset', async () => {
      await withPair(factory, { b: { idleTimeoutMs: 150 } }, async ({ a, b }) => {
        const remote = within(drain(a), 'remote read after the idle timeout');
        await assert.rejects(within(drain(b), 'idle read'), code('MURMUR_TIMEOUT'));
        await assert.rejects(remote, code('MURMUR_STREAMER_CLOSED'));
      });
    });
  });
}
