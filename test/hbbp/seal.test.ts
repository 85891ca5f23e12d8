import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeDatagram,
  generateKeyFiles,
  HBBP_MAX_DATAGRAM,
  KeyRing,
  maxSealedPayload,
  openEnvelope,
  ReplayGuard,
  SEAL_OVERHEAD,
  sealDatagram,
} from '../../src/hbbp/index.ts';
import { tempDir, typedOrResult } from './helpers.ts';

const enc = new TextEncoder();
const tmp = tempDir();
after(tmp.cleanup);

async function ringWith(names: string[]): Promise<KeyRing> {
  const root = join(tmp.dir, `ring-${Math.random().toString(36).slice(2)}`);
  for (const n of names) await generateKeyFiles(join(root, n));
  return KeyRing.load(root);
}

function open(bytes: Uint8Array, ring: KeyRing) {
  const m = decodeDatagram(bytes);
  const set = ring.lookup(m.key);
  assert.ok(set);
  return { key: m.key, opened: openEnvelope(m.key, m.payload, set) };
}

describe('hbbp encryption', async () => {
  const ring = await ringWith(['default', 'p2ptbl']);

  it('keygen writes four base64 key files with mode 0600 and refuses to overwrite', async () => {
    const dir = join(tmp.dir, 'kg');
    await generateKeyFiles(dir);
    for (const f of ['send.priv', 'send.pub', 'recv.priv', 'recv.pub']) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    }
    await assert.rejects(generateKeyFiles(dir), { code: 'MURMUR_HBBP_KEYFILE' });
  });

  it('looks up the key folder, then shorter / prefixes, then default', async () => {
    const r = await ringWith(['default', 'p2ptbl', 'p2ptbl/special']);
    assert.equal(r.lookup('p2ptbl/special')?.name, 'p2ptbl/special');
    assert.equal(r.lookup('p2ptbl/special/x')?.name, 'p2ptbl/special');
    assert.equal(r.lookup('p2ptbl/other')?.name, 'p2ptbl');
    assert.equal(r.lookup('announce')?.name, 'default');
    const noDefault = await ringWith(['p2ptbl']);
    assert.equal(noDefault.lookup('announce'), undefined);
  });

  it('seals and opens; the payload is not in clear; usable size is reported', () => {
    const set = ring.lookup('p2ptbl/t')!;
    const secret = enc.encode('very secret table rows');
    const d = sealDatagram('p2ptbl/t', secret, set);
    assert.equal(d.length, 'p2ptbl/t'.length + 1 + SEAL_OVERHEAD + secret.length);
    assert.equal(Buffer.from(d).indexOf(Buffer.from('secret')), -1);
    const { opened } = open(d, ring);
    assert.deepEqual(opened.payload, secret);
    const max = maxSealedPayload('p2ptbl/t');
    assert.equal(max, HBBP_MAX_DATAGRAM - 9 - SEAL_OVERHEAD);
    assert.equal(sealDatagram('p2ptbl/t', new Uint8Array(max), set).length, HBBP_MAX_DATAGRAM);
    assert.throws(() => sealDatagram('p2ptbl/t', new Uint8Array(max + 1), set), {
      code: 'MURMUR_HBBP_TOO_LARGE',
    });
  });

  it('uses a fresh nonce each time', () => {
    const set = ring.lookup('x')!;
    const a = sealDatagram('x', enc.encode('same'), set, { now: 1000 });
    const b = sealDatagram('x', enc.encode('same'), set, { now: 1000 });
    assert.notDeepEqual(a, b);
  });

  it('rejects every single-bit flip (tampered ciphertext, header or key)', () => {
    const set = ring.lookup('p2ptbl/t')!;
    const d = sealDatagram('p2ptbl/t', enc.encode('rows'), set);
    for (let bit = 0; bit < d.length * 8; bit++) {
      const t = new Uint8Array(d);
      t[bit >> 3]! ^= 1 << (bit & 7);
      let ok = false;
      try {
        const m = decodeDatagram(t);
        const s = ring.lookup(m.key);
        if (s) openEnvelope(m.key, m.payload, s);
        ok = s !== undefined;
      } catch (err) {
        assert.match((err as { code: string }).code, /^MURMUR_HBBP_(AUTH|BAD_DATAGRAM|BAD_KEY)$/);
      }
      assert.equal(ok, false, `bit ${bit} accepted`);
    }
  });

  it('rejects a datagram sealed with another key set', async () => {
    const other = await ringWith(['default']);
    const d = sealDatagram('k', enc.encode('x'), other.lookup('k')!);
    assert.throws(() => open(d, ring), { code: 'MURMUR_HBBP_AUTH' });
  });

  it('a receive-only key set opens but cannot seal', async () => {
    const root = join(tmp.dir, 'half');
    const full = await generateKeyFiles(join(root, 'full'));
    const ro = KeyRing.fromFiles({ default: { recvPriv: full.recvPriv, sendPub: full.sendPub } });
    const tx = KeyRing.fromFiles({ default: { sendPriv: full.sendPriv, recvPub: full.recvPub } });
    const d = sealDatagram('k', enc.encode('hello'), tx.lookup('k')!);
    assert.deepEqual(open(d, ro).opened.payload, enc.encode('hello'));
    assert.throws(() => sealDatagram('k', enc.encode('x'), ro.lookup('k')!), { code: 'MURMUR_HBBP_KEYFILE' });
    await mkdir(join(root, 'bad'), { recursive: true });
    await writeFile(join(root, 'bad', 'send.priv'), 'not a key\n');
    await assert.rejects(KeyRing.load(root), { code: 'MURMUR_HBBP_KEYFILE' });
  });

  it('replay guard: same nonce rejected, timestamps outside the window rejected', () => {
    const set = ring.lookup('k')!;
    const guard = new ReplayGuard({ windowMs: 60_000 });
    const now = 10_000_000;
    const d = sealDatagram('k', enc.encode('x'), set, { now });
    const { opened } = open(d, ring);
    guard.check(opened, now);
    assert.throws(() => guard.check(opened, now + 5), { code: 'MURMUR_HBBP_REPLAY' });
    const old = open(sealDatagram('k', enc.encode('x'), set, { now: now - 60_001 }), ring).opened;
    assert.throws(() => guard.check(old, now), { code: 'MURMUR_HBBP_REPLAY' });
    const future = open(sealDatagram('k', enc.encode('x'), set, { now: now + 60_001 }), ring).opened;
    assert.throws(() => guard.check(future, now), { code: 'MURMUR_HBBP_REPLAY' });
    // After the window the nonce is forgotten but its timestamp is then too old anyway.
    assert.throws(() => guard.check(opened, now + 200_000), { code: 'MURMUR_HBBP_REPLAY' });
  });

  it('replay guard: a full memory evicts the oldest and raises the floor, never re-accepting', () => {
    const set = ring.lookup('k')!;
    const guard = new ReplayGuard({ windowMs: 60_000, maxNonces: 3 });
    const now = 5_000_000;
    const seen = [0, 1, 2, 3, 4].map(
      (i) => open(sealDatagram('k', enc.encode('x'), set, { now: now + i }), ring).opened,
    );
    for (const o of seen) guard.check(o, now + 10);
    assert.equal(guard.size, 3);
    for (const o of seen) assert.throws(() => guard.check(o, now + 10), { code: 'MURMUR_HBBP_REPLAY' });
  });

  it('property: random, truncated and corrupted envelopes give a typed error or the true payload', () => {
    const set = ring.lookup('p2ptbl/t')!;
    const codes = [
      'MURMUR_HBBP_BAD_DATAGRAM',
      'MURMUR_HBBP_AUTH',
      'MURMUR_HBBP_BAD_KEY',
      'MURMUR_HBBP_TOO_LARGE',
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), (b) => {
        const r = typedOrResult(() => openEnvelope('p2ptbl/t', b, set), codes);
        assert.equal(r, undefined, 'random bytes must not authenticate');
      }),
      { numRuns: 300 },
    );
    const payload = enc.encode('the true payload');
    const d = sealDatagram('p2ptbl/t', payload, set);
    fc.assert(
      fc.property(
        fc.nat(d.length),
        fc.nat(d.length * 8 - 1),
        fc.uint8Array({ maxLength: 8 }),
        (cut, bit, junk) => {
          const variants = [d.subarray(0, cut), new Uint8Array([...d, ...junk])];
          const f = new Uint8Array(d);
          f[bit >> 3]! ^= 1 << (bit & 7);
          variants.push(f);
          for (const v of variants) {
            const r = typedOrResult(() => {
              const m = decodeDatagram(v);
              return openEnvelope(m.key, m.payload, set);
            }, codes);
            if (r) assert.deepEqual(r.payload, payload);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
