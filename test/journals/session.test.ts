import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { Intervals } from '../../src/chunks/intervals/intervals.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import {
  type Consumer,
  MAX_BAD_MESSAGES,
  type Provider,
  StreamerSession,
} from '../../src/journals/sync/session.ts';
import { decode } from '../../src/journals/sync/session-messages.ts';
import { memoryPair } from '../../src/streamer/channel.ts';

const sha = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());
const hx = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A log of items indexed from 1, with live waiting. */
class Log implements Provider {
  items: { hash: Uint8Array; data: Uint8Array }[] = [];
  #wake: (() => void)[] = [];
  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array(randomBytes(100));
      this.items.push({ hash: sha(data), data });
    }
    for (const w of this.#wake.splice(0)) w();
  }
  async batch(from: bigint, to: bigint, limit: number, { signal }: { signal: AbortSignal }) {
    while (BigInt(this.items.length) < from) {
      await new Promise<void>((r, j) => {
        this.#wake.push(r);
        signal.addEventListener('abort', () => j(signal.reason), { once: true });
      });
    }
    const end = [to, from + BigInt(limit) - 1n, BigInt(this.items.length)].reduce((a, b) => (a < b ? a : b));
    const hashes = this.items.slice(Number(from) - 1, Number(end)).map((i) => i.hash);
    return { hashes, to: end };
  }
  async get(hash: Uint8Array) {
    return this.items.find((i) => hx(i.hash) === hx(hash))?.data;
  }
}

function sink(
  have = new Map<string, Uint8Array>(),
): Consumer & { have: Map<string, Uint8Array>; iv: Intervals } {
  const iv = new Intervals(1n);
  return {
    have,
    iv,
    need: async (hs) => hs.map((h) => !have.has(hx(h))),
    deliver: async (h, d) => {
      if (hx(sha(d)) !== hx(h)) return false;
      have.set(hx(h), d);
      return true;
    },
    synced: async (from, to) => iv.add(from, to),
  };
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 2));
  }
};

test('subscribe: history offered in batches, only missing items wanted, intervals recorded, then live', async () => {
  const log = new Log();
  log.append(300);
  const [a, b] = memoryPair({ ab: { corrupt: (f) => f } });
  const up = new StreamerSession({ peer: 'down', channel: a, providers: { sync: () => log } });
  const down = new StreamerSession({ peer: 'up', channel: b });
  up.start();
  down.start();
  const c = sink();
  c.have.set(hx(log.items[5]!.hash), log.items[5]!.data);
  await down.subscribe({ name: 'sync', key: '0', live: false }, { from: 1n, consumer: c });
  await until(() => c.iv.last() === 300n);
  assert.equal(c.have.size, 300);
  assert.equal(down.stats.wanted, 299);
  assert.equal(up.stats.offered, 300);
  assert.deepEqual(c.iv.ranges(), [[1n, 300n]]);
  log.append(5);
  await until(() => c.iv.last() === 305n);
  assert.equal(c.have.size, 305);
  await down.stop();
  await up.stop();
});

test('unknown stream gets an error; a corrupted delivery is counted invalid; bad frames are dropped', async () => {
  const log = new Log();
  log.append(10);
  let n = 0;
  const [a, b] = memoryPair({
    ab: {
      corrupt: (f) => {
        const body = decode(f);
        if (body.case === 'delivery' && n++ === 2) f[f.length - 1]! ^= 0xff;
        return f;
      },
    },
    ba: { corrupt: (f, i) => (i === 0 ? Uint8Array.of(0xff, 0xff) : f) },
  });
  const up = new StreamerSession({ peer: 'down', channel: a, providers: { sync: () => log } });
  const down = new StreamerSession({ peer: 'up', channel: b });
  up.start();
  down.start();
  const c = sink();
  await down.subscribe({ name: 'nope', key: '', live: false }, { from: 1n, consumer: c }); // frame 0: garbled
  await down.subscribe({ name: 'nope', key: '', live: false }, { from: 1n, consumer: c });
  await down.subscribe({ name: 'sync', key: '1', live: false }, { from: 1n, to: 10n, consumer: c });
  await until(() => c.iv.last() === 10n);
  assert.equal(up.stats.badMessages, 1);
  assert.equal(down.stats.invalid, 1);
  assert.equal(c.have.size, 9);
  await down.stop();
  await up.stop();
});

test('property: streamer decoder throws only stable codes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        decode(bytes);
      } catch (e) {
        assert.ok(
          isMurmurError(e, 'MURMUR_STREAMER_BAD_MESSAGE') ||
            isMurmurError(e, 'MURMUR_STREAMER_MESSAGE_TOO_LARGE'),
        );
      }
    }),
    { numRuns: 2000 },
  );
  assert.throws(
    () => decode(new Uint8Array(200_000)),
    (e) => isMurmurError(e, 'MURMUR_STREAMER_MESSAGE_TOO_LARGE'),
  );
});

test('a subscriber is told when the peer refuses its stream and when the session closes', async () => {
  const log = new Log();
  log.append(3);
  const [a, b] = memoryPair();
  const up = new StreamerSession({ peer: 'down', channel: a, providers: { sync: () => log } });
  let closes = 0;
  const down = new StreamerSession({ peer: 'up', channel: b, onClose: () => closes++ });
  up.start();
  down.start();
  const refused: string[] = [];
  const closed: string[] = [];
  const c1 = { ...sink(), ended: (e: { code: string }) => refused.push(e.code) };
  await down.subscribe({ name: 'nope', key: '', live: false }, { from: 1n, consumer: c1 });
  await until(() => refused.length === 1);
  assert.deepEqual(refused, ['MURMUR_STREAMER_UNKNOWN_STREAM']);
  const c2 = { ...sink(), ended: (e: { code: string }) => closed.push(e.code) };
  await down.subscribe({ name: 'sync', key: '1', live: true }, { from: 1n, consumer: c2 });
  await until(() => c2.have.size === 3);
  assert.equal(down.closed, false);
  await up.stop(); // the remote side goes away: the live subscriber learns it
  await until(() => closed.length === 1);
  assert.deepEqual(closed, ['MURMUR_STREAMER_CLOSED']);
  assert.equal(down.closed, true);
  assert.equal(down.signal.aborted, true);
  assert.equal(closes, 1);
  await assert.rejects(
    down.subscribe({ name: 'sync', key: '1', live: true }, { from: 1n, consumer: sink() }),
    (e) => isMurmurError(e, 'MURMUR_STREAMER_CLOSED'),
  );
  await down.stop();
  assert.equal(closes, 1);
  assert.equal(refused.length, 1);
});

test('a peer that floods bad messages is reported once and its session ended, not struck per message', async () => {
  const [a, b] = memoryPair();
  const reported: unknown[] = [];
  let closes = 0;
  const session = new StreamerSession({
    peer: 'rogue',
    channel: a,
    onBadMessage: (err) => reported.push(err),
    onClose: () => closes++,
  });
  session.start();
  for (let i = 0; i < 5_000 && !session.closed; i++)
    await b.send(new Uint8Array([0xff, 0xff, 0xff, i & 0xff]));
  await until(() => session.closed);
  assert.equal(reported.length, 1);
  assert.equal(session.stats.badMessages, MAX_BAD_MESSAGES);
  assert.equal(closes, 1);
});
