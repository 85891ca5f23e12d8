import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryLevel } from 'memory-level';
import { VirtualClock } from '../../src/clock/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { decodeRecord, encodeRecord, PeerBook, type PeerRecord } from '../../src/peers/index.ts';

const OVERLAY = '0f'.repeat(32);

describe('PeerBook persistence', () => {
  it('round-trips every state through a store; connected peers are redialled after a restart', async () => {
    const db = new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' });
    const store = db.sublevel<string, Uint8Array>('peers', { valueEncoding: 'view' });
    const clock = new VirtualClock(5_000_000);
    const book = new PeerBook({ clock, store, selfId: 'self', config: { purgatoryMs: 100_000 } });
    await book.start();
    book.dialStarted('active', ['/ip4/10.0.0.1/tcp/4001']);
    book.handshakeDone('active', OVERLAY);
    book.dialStarted('failing', ['/ip4/10.0.0.2/tcp/4001']);
    book.dialFailed('failing', 'refused');
    clock.advance(5_000);
    book.dialStarted('failing');
    book.dialFailed('failing', 'refused'); // attempts 2, next in 10 s
    const failingNext = book.get('failing')?.nextAttemptAt;
    book.refused('bad', 'wrong network');
    book.misbehaved('active', 'undecodable');
    const decayAt = book.get('active')?.strikesDecayAt;
    assert.ok(decayAt !== undefined);
    book.discovered('candidate', ['/ip4/10.0.0.4/tcp/4001'], 'hive', OVERLAY);
    await book.stop();

    const clock2 = new VirtualClock(clock.now() + 1_000);
    const restarted = new PeerBook({
      clock: clock2,
      store,
      selfId: 'self',
      config: { purgatoryMs: 100_000 },
    });
    const dials: string[] = [];
    restarted.on('dial', (p) => dials.push(p.peerId));
    await restarted.start();
    const active = restarted.get('active');
    assert.equal(active?.state, 'lifesupport');
    assert.equal(active?.reason, 'restart');
    assert.equal(active?.overlay, OVERLAY);
    assert.deepEqual(active?.addresses, ['/ip4/10.0.0.1/tcp/4001']);
    assert.ok((active?.lastSeen ?? 0) > 0);
    assert.equal(active?.strikes, 1, 'strikes persisted');
    assert.equal(active?.strikesDecayAt, decayAt, 'and when the next is forgiven');
    assert.deepEqual(
      restarted.dueForDial().map((p) => p.peerId),
      ['active'],
    );
    clock2.advance(0);
    assert.deepEqual(dials, ['active']);
    const failing = restarted.get('failing');
    assert.equal(failing?.state, 'lifesupport');
    assert.equal(failing?.nextAttemptAt, failingNext);
    restarted.dialStarted('failing');
    restarted.dialFailed('failing');
    assert.equal(restarted.get('failing')?.nextAttemptAt, clock2.now() + 30_000, 'attempt count persisted');
    assert.equal(restarted.isRefused('bad'), true);
    assert.equal(restarted.known()[0]?.peerId, 'candidate');
    assert.equal(restarted.known()[0]?.overlay, OVERLAY);
    await restarted.stop();

    // A restart after the purgatory's deadline ends it at start (it does not begin again).
    const clock3 = new VirtualClock(clock.now() + 100_000);
    const later = new PeerBook({ clock: clock3, store, selfId: 'self', config: { purgatoryMs: 100_000 } });
    const gone: string[] = [];
    later.on('forgotten', (f) => gone.push(`${f.peerId}:${f.reason}`));
    await later.start();
    clock3.advance(0);
    assert.deepEqual(gone, ['bad:purgatory-expired']);
    assert.equal(later.isRefused('bad'), false);
    await later.stop();
    await db.close();
  });

  it('forgotten peers are deleted; corrupt records are dropped at load', async () => {
    const db = new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' });
    const clock = new VirtualClock(1);
    const book = new PeerBook({ clock, store: db, config: { purgatoryMs: 10 } });
    await book.start();
    book.refused('gone', 'x');
    book.discovered('stays', ['/a'], 'hive');
    await book.flush();
    assert.equal((await db.keys().all()).length, 2);
    clock.advance(10);
    await book.stop();
    assert.deepEqual(await db.keys().all(), ['stays']);
    await db.put('junk', new Uint8Array([1, 2, 3]));
    await db.put('other', encodeRecord(decodeRecord((await db.get('stays')) as Uint8Array)));
    const again = new PeerBook({ clock, store: db });
    await again.start();
    assert.deepEqual(
      again.known().map((p) => p.peerId),
      ['stays'],
    );
    assert.deepEqual((await db.keys().all()).sort(), ['stays']);
    await again.stop();
    await db.close();
  });
});

const recordArb: fc.Arbitrary<PeerRecord> = fc.record(
  {
    v: fc.constant(1),
    peerId: fc.string({ minLength: 1, maxLength: 60 }),
    addresses: fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 5 }),
    overlay: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
    lastSeen: fc.nat(),
    state: fc.constantFrom('connecting', 'active', 'lifesupport', 'purgatory', 'known'),
    source: fc.constantFrom('bootstrap', 'hbbp', 'hive', 'inbound', 'manual', 'store'),
    attempts: fc.nat(10),
    strikes: fc.nat(10),
    reason: fc.string({ maxLength: 30 }),
    nextAttemptAt: fc.nat(),
    strikesDecayAt: fc.nat(),
  },
  { requiredKeys: ['v', 'peerId', 'addresses', 'lastSeen', 'state', 'source', 'attempts', 'strikes'] },
) as fc.Arbitrary<PeerRecord>;

function decodesOrThrowsStable(bytes: Uint8Array): void {
  try {
    const r = decodeRecord(bytes);
    assert.equal(r.v, 1);
    assert.equal(typeof r.peerId, 'string');
  } catch (err) {
    assert.ok(isMurmurError(err, 'MURMUR_PEERS_RECORD_INVALID'), String(err));
  }
}

describe('peer record codec', () => {
  it('round-trips valid records', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        assert.deepEqual(decodeRecord(encodeRecord(record)), { ...record });
      }),
    );
  });

  it('random bytes decode or throw MURMUR_PEERS_RECORD_INVALID', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrThrowsStable), { numRuns: 2000 });
  });

  it('corrupted, truncated and random-JSON records decode or throw MURMUR_PEERS_RECORD_INVALID', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (record, pos, byte) => {
        const bytes = encodeRecord(record);
        const i = pos % bytes.length;
        const flipped = bytes.slice();
        flipped[i] = byte;
        decodesOrThrowsStable(flipped);
        decodesOrThrowsStable(bytes.subarray(0, i));
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        decodesOrThrowsStable(new TextEncoder().encode(JSON.stringify(value))),
      ),
    );
  });

  it('rejects oversized records before parsing', () => {
    assert.throws(
      () => decodeRecord(new Uint8Array(16 * 1024 + 1)),
      (err) => isMurmurError(err, 'MURMUR_PEERS_RECORD_INVALID'),
    );
  });
});
