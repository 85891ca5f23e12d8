import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import {
  decodeBundle,
  decodeEntry,
  decodeGrant,
  decodeRevocation,
  encodeBundle,
  encodeEntry,
  encodeGrant,
  encodeRevocation,
  entryId,
  grantId,
} from '../../src/tree/codec.ts';
import { packHlc } from '../../src/tree/hlc.ts';
import { makeEntry, makeGrant, makeRevocation } from '../../src/tree/records.ts';
import { TreeState } from '../../src/tree/state.ts';
import { enc, keyPool } from './helpers.ts';

const [root, alice] = keyPool as [(typeof keyPool)[0], (typeof keyPool)[0]];
const tree = root.publicKey;
const T = 1_700_000_000_000;
const g = makeGrant(root, {
  tree,
  pattern: '/a/**',
  subgrant: true,
  issuee: alice.publicKey,
  issuedAt: T,
  expiresAt: T + 99,
});
const r = makeRevocation(root, { tree, grantId: grantId(g), revokedAt: T + 1 });
const e = makeEntry(alice, {
  tree,
  key: '/a/b',
  value: enc('hello'),
  timestamp: packHlc(T + 2, 3),
  grants: [grantId(g)],
});
const tomb = makeEntry(root, { tree, key: '/a/b', value: null, timestamp: packHlc(T + 3, 0) });

describe('tree codecs', () => {
  it('round-trip every record and a bundle; ids are stable', () => {
    assert.deepEqual(decodeGrant(encodeGrant(g)), g);
    assert.deepEqual(decodeRevocation(encodeRevocation(r)), r);
    assert.deepEqual(decodeEntry(encodeEntry(e)), e);
    assert.deepEqual(decodeEntry(encodeEntry(tomb)), tomb);
    assert.deepEqual(entryId(decodeEntry(encodeEntry(e))), entryId(e));
    const b = decodeBundle(encodeBundle({ entries: [e, tomb], grants: [g], revocations: [r] }));
    assert.equal(b.entries.length, 2);
  });

  it('property: random and corrupted bytes give a MurmurError or a record that then verifies or is refused', () => {
    const samples = [
      encodeGrant(g),
      encodeRevocation(r),
      encodeEntry(e),
      encodeBundle({ entries: [e], grants: [g], revocations: [r] }),
    ];
    const decoders = [decodeGrant, decodeRevocation, decodeEntry, decodeBundle] as const;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(),
        fc.nat(255),
        fc.nat(3),
        (junk, pos, byte, k) => {
          const sample = samples[k]!;
          const corrupt = new Uint8Array(sample);
          corrupt[pos % corrupt.length] = byte;
          for (const bytes of [junk, corrupt, sample.subarray(0, pos % sample.length)]) {
            for (const decode of decoders) {
              let rec: unknown;
              try {
                rec = decode(bytes);
              } catch (err) {
                assert.ok(isMurmurError(err), String(err));
                continue;
              }
              // whatever decodes must never crash the store: it is stored or refused with a code
              const s = new TreeState(tree);
              s.addGrant(g);
              try {
                if (decode === decodeEntry) s.addEntry(rec as typeof e);
                else if (decode === decodeGrant) s.addGrant(rec as typeof g);
                else if (decode === decodeRevocation) s.addRevocation(rec as typeof r);
              } catch (err) {
                assert.ok(isMurmurError(err), String(err));
              }
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses oversize input before decoding', () => {
    assert.throws(
      () => decodeEntry(new Uint8Array(200_000)),
      (err) => isMurmurError(err, 'MURMUR_TREE_TOO_LARGE'),
    );
  });
});
