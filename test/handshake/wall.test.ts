/**
 * The Hello's optional wall-clock field (wall_ms = 6): carried when set, absent (0 on the wire, so an
 * old node's Hello is byte-identical) when not, and never a value that is not a safe integer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { decodeHello, encodeHello, type HelloInfo } from '../../src/handshake/index.ts';
import { HelloSchema } from '../../src/handshake/proto/handshake_pb.js';

const base: HelloInfo = {
  networkId: 'murmur',
  overlay: new Uint8Array(32).fill(7),
  protocols: ['/x/1.0.0'],
  addrs: [],
};

test('wallMs round-trips; a Hello without it encodes as before and decodes without it', () => {
  assert.equal(decodeHello(encodeHello({ ...base, wallMs: 1_800_000_000_123 })).wallMs, 1_800_000_000_123);
  const old = encodeHello(base);
  assert.equal(decodeHello(old).wallMs, undefined);
  const legacy = toBinary(
    HelloSchema,
    create(HelloSchema, { networkId: base.networkId, overlay: base.overlay, protocols: base.protocols }),
  );
  assert.deepEqual(old, legacy);
});

test('a wall time past 2^53 is dropped, not decoded into an imprecise number', () => {
  const bytes = toBinary(
    HelloSchema,
    create(HelloSchema, {
      networkId: 'murmur',
      overlay: base.overlay,
      protocols: base.protocols,
      wallMs: 2n ** 60n,
    }),
  );
  assert.equal(decodeHello(bytes).wallMs, undefined);
});

test('any positive safe-integer wall time round-trips', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (ms) => {
      assert.equal(decodeHello(encodeHello({ ...base, wallMs: ms })).wallMs, ms);
    }),
  );
});
