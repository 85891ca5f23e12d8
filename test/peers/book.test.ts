import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../src/clock/index.ts';
import type { PeerInfo } from '../../src/node/types.ts';
import { PeerBook } from '../../src/peers/index.ts';
import type { PeerBookConfig } from '../../src/peers/types.ts';

const SCHEDULE = [5_000, 10_000, 30_000, 60_000, 600_000, 3_600_000];

async function setup(config: Partial<PeerBookConfig> = {}) {
  const clock = new VirtualClock(1_000_000);
  const book = new PeerBook({ clock, selfId: 'self', config });
  const states: PeerInfo[] = [];
  const dials: string[] = [];
  const pings: string[] = [];
  const forgotten: string[] = [];
  book.on('state', (info) => states.push(info));
  book.on('dial', (p) => dials.push(p.peerId));
  book.on('ping', (p) => pings.push(p.peerId));
  book.on('forgotten', (f) => forgotten.push(`${f.peerId}:${f.reason}`));
  await book.start();
  return { clock, book, states, dials, pings, forgotten };
}

function connect(book: PeerBook, id: string): void {
  assert.equal(book.dialStarted(id, [`/ip4/127.0.0.1/tcp/1/p2p/${id}`]), true);
  assert.equal(book.handshakeDone(id, 'ab'.repeat(32)), true);
}

describe('PeerBook discovery', () => {
  it('bootstrap, hbbp and manual peers are dialled at once; hive peers wait as candidates', async () => {
    const { book, dials } = await setup();
    book.discovered('boot', ['/ip4/1.2.3.4/tcp/1'], 'bootstrap');
    book.discovered('lan', ['/ip6/fe80::1/tcp/1'], 'hbbp');
    book.discovered('gossiped', ['/ip4/5.6.7.8/tcp/1'], 'hive');
    assert.deepEqual(dials, ['boot', 'lan']);
    assert.deepEqual(
      book.dueForDial().map((p) => p.peerId),
      ['boot', 'lan'],
    );
    assert.deepEqual(
      book
        .known()
        .map((p) => p.peerId)
        .sort(),
      ['boot', 'gossiped', 'lan'],
    );
    assert.deepEqual(book.list(), []);
    assert.equal(book.stateOf('gossiped'), 'known');
    await book.stop();
  });

  it('a bootstrap address given for a peer in backoff is dialled at once, its schedule restarted', async () => {
    const { clock, book, dials } = await setup();
    book.dialStarted('boot', ['/ip4/1.2.3.4/tcp/1']);
    for (let i = 0; i < 5; i++) {
      book.dialFailed('boot');
      await clock.advance((book.get('boot')?.nextAttemptAt ?? 0) - clock.now());
      book.dialStarted('boot');
    }
    book.dialFailed('boot');
    assert.equal(book.get('boot')?.nextAttemptAt, clock.now() + 3_600_000);
    dials.length = 0;
    book.discovered('boot', ['/ip4/1.2.3.4/tcp/2'], 'bootstrap');
    assert.deepEqual(dials, ['boot'], 'dialled at once, not an hour later');
    assert.deepEqual(
      book.dueForDial().map((p) => p.peerId),
      ['boot'],
    );
    // A failure of that dial backs off from the start of the schedule again.
    book.dialStarted('boot');
    book.dialFailed('boot');
    assert.equal(book.get('boot')?.nextAttemptAt, clock.now() + 5_000);
    // Nor does a hive mention of a peer in backoff bring its dial forward.
    dials.length = 0;
    book.discovered('boot', [], 'hive');
    assert.deepEqual(dials, []);
    await book.stop();
  });

  it('ignores itself and merges addresses without duplicates', async () => {
    const { book } = await setup();
    assert.equal(book.discovered('self', ['/a'], 'hive'), undefined);
    assert.equal(book.dialStarted('self'), false);
    book.discovered('p', ['/a'], 'hive');
    book.discovered('p', ['/b', '/a'], 'hive');
    assert.deepEqual(book.known()[0]?.addresses.sort(), ['/a', '/b']);
    assert.equal(book.size, 1);
    await book.stop();
  });

  it('evicts the least recently seen candidate past maxKnown', async () => {
    const { book, clock, forgotten } = await setup({ maxKnown: 2 });
    book.discovered('old', ['/a'], 'hbbp');
    clock.advance(10);
    book.discovered('new', ['/b'], 'hbbp');
    book.discovered('third', ['/c'], 'hive');
    assert.deepEqual(forgotten, ['old:evicted']);
    assert.equal(book.size, 2);
    await book.stop();
  });
});

describe('PeerBook state machine (virtual clock)', () => {
  it('connecting → active, with state events and lastSeen', async () => {
    const { book, clock, states } = await setup();
    book.discovered('p', ['/a'], 'hive');
    connect(book, 'p');
    assert.deepEqual(
      states.map((s) => s.state),
      ['connecting', 'active'],
    );
    const info = book.get('p');
    assert.equal(info?.state, 'active');
    assert.equal(info?.lastSeen, clock.now());
    assert.equal(info?.overlay, 'ab'.repeat(32));
    assert.deepEqual(book.counts(), { connecting: 0, active: 1, lifesupport: 0, purgatory: 0 });
    await book.stop();
  });

  it('walks the whole backoff schedule 5 s, 10 s, 30 s, 1 min, 10 min, 1 h, then forgets', async () => {
    const { book, clock, dials, forgotten } = await setup();
    connect(book, 'p');
    book.disconnected('p', 'connection reset');
    for (let i = 0; i < SCHEDULE.length; i++) {
      const wait = SCHEDULE[i] as number;
      const info = book.get('p');
      assert.equal(info?.state, 'lifesupport');
      assert.equal(info?.nextAttemptAt, clock.now() + wait, `attempt ${i + 1}`);
      assert.equal(info?.reason, i === 0 ? 'connection reset' : 'refused');
      const before = dials.length;
      clock.advance(wait - 1);
      assert.equal(dials.length, before, `no dial before ${wait} ms`);
      assert.deepEqual(book.dueForDial(), []);
      clock.advance(1);
      assert.equal(dials.length, before + 1, `dial after ${wait} ms`);
      assert.deepEqual(
        book.dueForDial().map((p) => p.peerId),
        ['p'],
      );
      assert.equal(book.dialStarted('p'), true);
      assert.equal(book.get('p')?.state, 'connecting');
      book.dialFailed('p', 'refused');
    }
    assert.equal(book.get('p'), undefined);
    assert.deepEqual(forgotten, ['p:backoff-exhausted']);
    await book.stop();
  });

  it('a successful reconnect resets the schedule', async () => {
    const { book, clock } = await setup();
    connect(book, 'p');
    book.disconnected('p');
    clock.advance(5_000);
    book.dialStarted('p');
    book.dialFailed('p');
    assert.equal(book.get('p')?.nextAttemptAt, clock.now() + 10_000);
    clock.advance(10_000);
    book.dialStarted('p');
    book.handshakeDone('p');
    assert.equal(book.get('p')?.state, 'active');
    book.disconnected('p');
    assert.equal(book.get('p')?.nextAttemptAt, clock.now() + 5_000);
    await book.stop();
  });

  it('a dial that never finishes times out into lifesupport', async () => {
    const { book, clock } = await setup({ dialTimeoutMs: 2_000 });
    book.dialStarted('p', ['/a']);
    clock.advance(1_999);
    assert.equal(book.get('p')?.state, 'connecting');
    clock.advance(1);
    assert.equal(book.get('p')?.state, 'lifesupport');
    assert.equal(book.get('p')?.reason, 'dial-timeout');
    await book.stop();
  });

  it('a due reconnect nobody performs counts as a failed attempt', async () => {
    const { book, clock } = await setup({ dialTimeoutMs: 1_000 });
    connect(book, 'p');
    book.disconnected('p');
    clock.advance(5_000); // dial event, nobody dials
    assert.equal(book.get('p')?.state, 'lifesupport');
    clock.advance(1_000);
    const info = book.get('p');
    assert.equal(info?.reason, 'not-dialled');
    assert.equal(info?.nextAttemptAt, clock.now() + 10_000);
    await book.stop();
  });

  it('heartbeat: idle 30 s → ping (checked every 5 s); activity postpones it', async () => {
    const { book, clock, pings } = await setup();
    connect(book, 'p');
    clock.advance(20_000);
    book.activity('p');
    clock.advance(29_999);
    assert.deepEqual(pings, []);
    assert.deepEqual(book.dueForPing(), []);
    clock.advance(5_001); // next 5 s check after 30 s idle
    assert.deepEqual(pings, ['p']);
    assert.deepEqual(
      book.dueForPing().map((p) => p.peerId),
      ['p'],
    );
    book.pingSent('p');
    clock.advance(3_000);
    book.pongReceived('p');
    clock.advance(20_000);
    assert.equal(book.get('p')?.state, 'active');
    assert.equal(pings.length, 1);
    await book.stop();
  });

  it('heartbeat: a missed pong sends the peer to lifesupport', async () => {
    const { book, clock, pings } = await setup({ pongTimeoutMs: 4_000 });
    connect(book, 'p');
    clock.advance(30_000);
    assert.deepEqual(pings, ['p']);
    book.pingSent('p');
    clock.advance(3_999);
    assert.equal(book.get('p')?.state, 'active');
    clock.advance(1);
    assert.equal(book.get('p')?.state, 'lifesupport');
    assert.equal(book.get('p')?.reason, 'pong-missed');
    await book.stop();
  });

  it('heartbeat: the book detects a missed pong even when the node never reports the ping', async () => {
    const { book, clock } = await setup({ pongTimeoutMs: 4_000 });
    connect(book, 'p');
    clock.advance(30_000 + 4_000);
    assert.equal(book.get('p')?.state, 'lifesupport');
  });

  it('pongMissed reported by the node', async () => {
    const { book } = await setup();
    connect(book, 'p');
    book.pongMissed('p');
    assert.equal(book.get('p')?.reason, 'pong-missed');
    await book.stop();
  });

  it('misbehaviour strikes → purgatory → refused → forgotten after the timeout', async () => {
    const { book, clock, forgotten } = await setup({ strikeThreshold: 3, purgatoryMs: 60_000 });
    connect(book, 'p');
    assert.equal(book.misbehaved('p', 'undecodable'), 1);
    assert.equal(book.misbehaved('p', 'oversized'), 2);
    assert.equal(book.get('p')?.state, 'active');
    assert.equal(book.get('p')?.strikes, 2);
    book.misbehaved('p', 'protocol');
    const info = book.get('p');
    assert.equal(info?.state, 'purgatory');
    assert.equal(info?.reason, 'misbehaviour: protocol');
    assert.equal(info?.nextAttemptAt, clock.now() + 60_000);
    assert.equal(book.isRefused('p'), true);
    assert.equal(book.handshakeDone('p'), false);
    assert.equal(book.dialStarted('p'), false);
    book.disconnected('p');
    book.dialFailed('p');
    assert.equal(book.get('p')?.state, 'purgatory');
    clock.advance(59_999);
    assert.equal(book.isRefused('p'), true);
    clock.advance(1);
    assert.deepEqual(forgotten, ['p:purgatory-expired']);
    assert.equal(book.isRefused('p'), false);
    assert.equal(book.handshakeDone('p'), true);
    assert.equal(book.get('p')?.strikes, 0);
    await book.stop();
  });

  it('strikes decay: one forgiven per strikeDecayMs, counted from the first strike', async () => {
    const { book, clock, states } = await setup({ strikeThreshold: 3, strikeDecayMs: 600_000, idleMs: 1e9 });
    connect(book, 'p');
    const t0 = clock.now();
    assert.equal(book.misbehaved('p', 'undecodable'), 1);
    assert.equal(book.get('p')?.strikesDecayAt, t0 + 600_000);
    clock.advance(300_000);
    assert.equal(book.misbehaved('p', 'undecodable'), 2, 'a second strike within the period adds up');
    assert.equal(book.get('p')?.strikesDecayAt, t0 + 600_000, 'a new strike does not restart the period');
    clock.advance(299_999);
    assert.equal(book.get('p')?.strikes, 2);
    clock.advance(1);
    assert.equal(book.get('p')?.strikes, 1, 'one forgiven after the period');
    assert.equal(book.get('p')?.strikesDecayAt, t0 + 1_200_000);
    // Two strikes more reach only 3 after the decay: purgatory; decay never lifts purgatory itself.
    assert.equal(book.misbehaved('p', 'protocol'), 2);
    assert.equal(book.misbehaved('p', 'protocol'), 3);
    assert.equal(book.get('p')?.state, 'purgatory');
    // A peer that strikes once per period never gets there.
    connect(book, 'q');
    for (let i = 0; i < 10; i++) {
      assert.equal(book.misbehaved('q', 'timeout'), 1);
      clock.advance(600_000);
      assert.equal(book.get('q')?.strikes, 0);
      assert.equal(book.get('q')?.strikesDecayAt, undefined);
    }
    assert.equal(book.get('q')?.state, 'active');
    // Many periods at once forgive many strikes, never below zero.
    book.misbehaved('q', 'timeout');
    book.misbehaved('q', 'timeout');
    clock.advance(10 * 600_000);
    assert.equal(book.get('q')?.strikes, 0);
    assert.ok(states.length > 0);
    await book.stop();
  });

  it('strikeDecayMs 0 keeps strikes', async () => {
    const { book, clock } = await setup({ strikeThreshold: 9, strikeDecayMs: 0, idleMs: 1e9 });
    connect(book, 'p');
    book.misbehaved('p', 'undecodable');
    clock.advance(10 * 3_600_000);
    assert.equal(book.get('p')?.strikes, 1);
    assert.equal(book.get('p')?.strikesDecayAt, undefined);
    await book.stop();
  });

  it('forgive: lifts purgatory, clears strikes, and dials the peer at once', async () => {
    const { book, clock, dials } = await setup({ strikeThreshold: 2, purgatoryMs: 1_800_000, idleMs: 1e9 });
    connect(book, 'p');
    book.misbehaved('p', 'undecodable');
    book.misbehaved('p', 'undecodable');
    book.disconnected('p');
    assert.equal(book.get('p')?.state, 'purgatory');
    dials.length = 0;
    const info = book.forgive('p');
    assert.equal(info?.peerId, 'p');
    const now = book.get('p');
    assert.equal(now?.state, 'lifesupport');
    assert.equal(now?.reason, 'forgiven');
    assert.equal(now?.strikes, 0);
    assert.equal(book.isRefused('p'), false);
    assert.deepEqual(dials, ['p'], 'dialled at once');
    assert.equal(book.dialStarted('p'), true);
    assert.equal(book.handshakeDone('p'), true);
    // The old purgatory deadline is gone with it.
    clock.advance(1_800_000);
    assert.equal(book.get('p')?.state, 'active');
    // Forgiving an active peer clears its strikes only; an unknown peer is undefined.
    book.misbehaved('p', 'protocol');
    assert.equal(book.forgive('p')?.peerId, 'p');
    assert.equal(book.get('p')?.strikes, 0);
    assert.equal(book.get('p')?.state, 'active');
    assert.equal(book.forgive('nobody'), undefined);
    await book.stop();
  });

  it('goodbye: lifesupport at once (reason goodbye), backoff from the first step; purgatory stays', async () => {
    const { book, clock, dials } = await setup({ idleMs: 1e9 });
    book.dialStarted('p', ['/ip4/1.2.3.4/tcp/1']);
    book.dialFailed('p');
    book.dialStarted('p');
    book.dialFailed('p');
    book.dialStarted('p'); // connecting, after two failures: the next backoff would be 30 s
    book.goodbye('p');
    const info = book.get('p');
    assert.equal(info?.state, 'lifesupport');
    assert.equal(info?.reason, 'goodbye');
    assert.equal(info?.strikes, 0);
    assert.equal(info?.nextAttemptAt, clock.now() + SCHEDULE[0]!);
    dials.length = 0;
    clock.advance(SCHEDULE[0]!);
    assert.deepEqual(dials, ['p'], 'redialled after the first backoff step');
    book.refused('q', 'refused: network');
    book.goodbye('q');
    assert.equal(book.get('q')?.state, 'purgatory');
    book.goodbye('nobody');
    assert.equal(book.stateOf('nobody'), undefined);
    await book.stop();
  });

  it('refusal at introduction goes straight to purgatory', async () => {
    const { book } = await setup();
    book.refused('q', 'wrong network');
    assert.equal(book.get('q')?.state, 'purgatory');
    assert.equal(book.get('q')?.reason, 'wrong network');
    assert.deepEqual(book.counts(), { connecting: 0, active: 0, lifesupport: 0, purgatory: 1 });
    await book.stop();
  });

  it('fills po from the injected proximity function', async () => {
    const clock = new VirtualClock();
    const book = new PeerBook({ clock, proximity: (hex) => hex.length / 8 });
    book.handshakeDone('p', 'cd'.repeat(32));
    assert.equal(book.get('p')?.po, 8);
  });

  it('stop() leaves no timer behind', async () => {
    const { book, clock } = await setup();
    connect(book, 'p');
    book.refused('q', 'x');
    await book.stop();
    assert.equal(clock.pending, 0);
  });
});
