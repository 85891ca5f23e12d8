/**
 * The hand-written Delivery codec of the pull-sync hot path: byte-identical to protobuf-es, and its
 * decoding fast path agrees with the generic decoder on valid, random and corrupted frames.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { DELIVERY_TAG, decode, encodeDelivery } from '../../src/chunks/pullsync/messages.ts';
import { MessageSchema } from '../../src/chunks/pullsync/proto/pullsync_pb.js';
import { isMurmurError } from '../../src/errors/index.ts';

const generic = (address: Uint8Array, data: Uint8Array): Uint8Array =>
  toBinary(MessageSchema, create(MessageSchema, { body: { case: 'delivery', value: { address, data } } }));

/** decode() result, or the error code. */
function outcome(frame: Uint8Array): unknown {
  try {
    const b = decode(frame);
    return b.case === 'delivery' ? { address: [...b.value.address], data: [...b.value.data] } : b.case;
  } catch (err) {
    assert.ok(isMurmurError(err), String(err));
    return err.code;
  }
}

/** What the generic protobuf path (plus decode()'s field checks) makes of a frame. */
function genericOutcome(frame: Uint8Array): unknown {
  let msg: ReturnType<typeof fromBinary<typeof MessageSchema>>;
  try {
    msg = fromBinary(MessageSchema, frame);
  } catch {
    return 'MURMUR_CHUNKS_BAD_MESSAGE';
  }
  if (msg.body.case !== 'delivery') return outcome(frame); // not this codec's business
  const { address, data } = msg.body.value;
  if (address.length !== 32 || data.length > 4104) return 'MURMUR_CHUNKS_BAD_MESSAGE';
  return { address: [...address], data: [...data] };
}

test('encodeDelivery is byte-identical to protobuf-es, for every size (empty fields omitted)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 40 }),
      fc.uint8Array({ minLength: 0, maxLength: 5000 }),
      (address, data) => {
        const mine = encodeDelivery(address, data);
        assert.deepEqual(mine, generic(address, data));
        assert.equal(mine[0], DELIVERY_TAG);
      },
    ),
    { numRuns: 300 },
  );
});

test('the delivery fast path decodes exactly as the generic path: valid, corrupted, truncated frames', () => {
  const valid = fc
    .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 4104 }))
    .map(([a, d]) => encodeDelivery(a, d));
  fc.assert(
    fc.property(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (frame, at, byte, cut) => {
      assert.deepEqual(outcome(frame), genericOutcome(frame));
      const corrupted = frame.slice();
      corrupted[at % frame.length] = byte;
      assert.deepEqual(outcome(corrupted), genericOutcome(corrupted));
      const truncated = frame.subarray(0, cut % (frame.length + 1));
      assert.deepEqual(outcome(truncated), genericOutcome(truncated));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      const frame = Uint8Array.of(DELIVERY_TAG, ...tail);
      assert.deepEqual(outcome(frame), genericOutcome(frame));
    }),
    { numRuns: 500 },
  );
});
