import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import '../../src/journals/codes.ts';
import { ERROR_CODES, isMurmurError } from '../../src/errors/index.ts';
import {
  decodeEvent,
  decodeItem,
  decodeSnapshot,
  encodeSegmentItem,
  encodeSnapshotItem,
} from '../../src/journals/event.ts';
import { generateWriter } from '../../src/journals/keys.ts';
import { EventSchema, ItemSchema } from '../../src/journals/proto/journals_pb.js';
import {
  decodeCatalogue,
  decodeCatalogueRequest,
  encodeCatalogue,
  encodeCatalogueRequest,
} from '../../src/journals/sync/catalogue.ts';
import { decodeEventFields, decodeItemFrame, encodeEventFields } from '../../src/journals/wire.ts';
import { enc, hex, openJournals, payloads } from './helpers.ts';

const ALLOWED = new Set([
  'MURMUR_JOURNAL_BAD_MESSAGE',
  'MURMUR_JOURNAL_TOO_LARGE',
  'MURMUR_JOURNAL_GAP',
  'MURMUR_JOURNAL_FORGED',
]);

function mustBehave(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isMurmurError(err), `not a MurmurError: ${String(err)}`);
    assert.ok(ALLOWED.has(err.code) && err.code in ERROR_CODES, err.code);
  }
}

/** Valid sample encodings to corrupt. */
async function samples(): Promise<Uint8Array[]> {
  const j = await openJournals({ writer: generateWriter() });
  const id = (await j.create('fuzz')).id;
  await j.appendBatch(id, payloads(40, 30));
  const snap = await j.snapshot(id, { upTo: 10, state: enc.encode('{"n":10}'), compact: false });
  const segs = await j.store.segments(id, 1, 40, 4, Number.POSITIVE_INFINITY);
  await j.stop();
  return [
    encodeSegmentItem(segs[0]!.records),
    encodeSnapshotItem(snap),
    segs[0]!.records[0]!,
    encodeCatalogue([{ journal: id, from: 11, to: 40, snapshot: 10 }]),
    encodeCatalogueRequest([id, id]),
  ];
}

const decoders = [decodeItem, decodeEvent, decodeSnapshot, decodeCatalogue, decodeCatalogueRequest];

test('decoders: random bytes never crash, only stable journal codes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      for (const d of decoders) mustBehave(() => d(bytes));
    }),
    { numRuns: 2000 },
  );
});

test('decoders: corrupted, truncated and extended valid messages never crash', async () => {
  const valid = await samples();
  for (const s of valid) for (const d of decoders) mustBehave(() => d(s)); // cross-decoding too
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 64 }),
      (base, flips, cut, tail) => {
        const b = base.slice();
        for (const [i, v] of flips) b[i % b.length] = v;
        const variants = [b, b.subarray(0, cut % (b.length + 1)), Uint8Array.from([...b, ...tail])];
        for (const v of variants) for (const d of decoders) mustBehave(() => d(v));
      },
    ),
    { numRuns: 1500 },
  );
});

test('decoders: hard caps are checked before decoding', () => {
  const huge = new Uint8Array(2 * 1024 * 1024);
  for (const d of decoders) {
    assert.throws(
      () => d(huge),
      (e) => isMurmurError(e, 'MURMUR_JOURNAL_TOO_LARGE'),
    );
  }
});

test('hand-written Event codec is byte-identical to protobuf-es both ways', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 70 }),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      (seq, time, payload, prev, sig, sigFirst) => {
        const ref = toBinary(
          EventSchema,
          create(EventSchema, {
            seq: BigInt(seq),
            time: BigInt(time),
            payload,
            prev,
            sig,
            sigFirst: BigInt(sigFirst),
          }),
        );
        assert.equal(hex(encodeEventFields({ seq, time, payload, prev, sig, sigFirst })), hex(ref));
        const d = decodeEventFields(ref);
        assert.deepEqual([d.seq, d.time, d.sigFirst], [seq, time, sigFirst]);
        assert.deepEqual([hex(d.payload), hex(d.prev), hex(d.sig)], [hex(payload), hex(prev), hex(sig)]);
        const back = fromBinary(EventSchema, encodeEventFields({ seq, time, payload, prev, sig, sigFirst }));
        assert.equal(back.seq, BigInt(seq));
      },
    ),
    { numRuns: 1000 },
  );
});

test('hand-written Item splitter agrees with protobuf-es', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }),
      fc.boolean(),
      (events, snap) => {
        const bytes = snap
          ? toBinary(ItemSchema, create(ItemSchema, { body: { case: 'snapshot', value: { upTo: 3n } } }))
          : toBinary(ItemSchema, create(ItemSchema, { body: { case: 'segment', value: { events } } }));
        const ref = fromBinary(ItemSchema, bytes);
        const mine = decodeItemFrame(bytes);
        if (ref.body.case === 'segment')
          assert.deepEqual(mine.events.map(hex), ref.body.value.events.map(hex));
        else assert.ok(mine.snapshot);
      },
    ),
    { numRuns: 500 },
  );
});
