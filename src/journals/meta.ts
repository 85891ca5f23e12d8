import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../errors/index.ts';
import { MAX_SEGMENT_BYTES, MAX_SIGNED_EVENTS } from './constants.ts';
import { batchMessage, type EventRecord, eventHash } from './event.ts';
import { type JournalId, type ParsedId, parseJournalId } from './id.ts';
import type { Writer } from './keys.ts';
import { MetaSchema } from './proto/journals_pb.js';

/** What a node holds of one journal. Verified events are exactly first..head (none when first > head). */
export interface JournalInfo {
  id: JournalId;
  writer: string;
  name: string;
  /** Last verified event (0 = none). */
  head: number;
  headHash: Uint8Array;
  /** Oldest stored event (events before it were compacted into the snapshot). */
  first: number;
  /** up_to of the stored snapshot (0 = none). */
  snapshot: number;
  created: number;
  lastSnapshotTime: number;
}

export function encodeMeta(m: JournalInfo, writer: Uint8Array): Uint8Array {
  return toBinary(
    MetaSchema,
    create(MetaSchema, {
      writer,
      name: m.name,
      head: BigInt(m.head),
      headHash: m.headHash,
      first: BigInt(m.first),
      snapshot: BigInt(m.snapshot),
      created: BigInt(m.created),
      lastSnapshotTime: BigInt(m.lastSnapshotTime),
    }),
  );
}

/** Decodes a stored Meta record; MURMUR_JOURNAL_BAD_MESSAGE if unreadable. */
export function decodeMeta(id: string, bytes: Uint8Array): JournalInfo {
  try {
    const m = fromBinary(MetaSchema, bytes);
    const parsed = parseJournalId(id);
    return {
      id,
      writer: id.slice(0, 64),
      name: parsed.name,
      head: Number(m.head),
      headHash: m.headHash,
      first: Number(m.first),
      snapshot: Number(m.snapshot),
      created: Number(m.created),
      lastSnapshotTime: Number(m.lastSnapshotTime),
    };
  } catch (cause) {
    throw new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', `unreadable journal record ${id}`, { cause });
  }
}

/** Per-event record overhead assumed when cutting signed batches (fields, tags, lengths). */
const RECORD_OVERHEAD = 96;

/**
 * Chains new events after (head, headHash) and signs them in batches of ≤1024 events and ≤100 KiB of
 * records, so every batch (and any suffix of it) fits one streamer delivery. The last record of each
 * batch carries the signature over {journal, first, last, hash of last}.
 */
export function chainAndSign(
  j: ParsedId,
  head: number,
  headHash: Uint8Array,
  events: { payload: Uint8Array; time?: number }[],
  writer: Writer,
  now: number,
): EventRecord[] {
  const records: EventRecord[] = [];
  let prev = headHash;
  let seq = head;
  for (const e of events) {
    seq++;
    const time = e.time ?? now;
    const hash = eventHash(prev, seq, time, e.payload);
    records.push({ seq, time, payload: e.payload, prev, hash });
    prev = hash;
  }
  let start = 0;
  let bytes = RECORD_OVERHEAD;
  const close = (end: number): void => {
    const last = records[end]!;
    const first = records[start]!.seq;
    last.sig = writer.sign(batchMessage(j, first, last.seq, last.hash));
    last.sigFirst = first;
    start = end + 1;
    bytes = RECORD_OVERHEAD;
  };
  for (let i = 0; i < records.length; i++) {
    const size = records[i]!.payload.length + RECORD_OVERHEAD;
    if (i > start && (i - start >= MAX_SIGNED_EVENTS || bytes + size > MAX_SEGMENT_BYTES)) close(i - 1);
    bytes += size;
  }
  if (records.length > 0) close(records.length - 1);
  return records;
}
