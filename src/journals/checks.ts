/**
 * What the journal store checks before it writes: the payloads of own events, a snapshot's state,
 * and a peer's segment against the verified head (signature, gap, fork).
 */
import { MurmurError } from '../errors/index.ts';
import { MAX_PAYLOAD_BYTES, MAX_SNAPSHOT_STATE_BYTES } from './constants.ts';
import { batchMessage, type EventRecord } from './event.ts';
import type { JournalId, ParsedId } from './id.ts';
import { bytesEqual, verifySignature } from './keys.ts';
import type { JournalInfo } from './meta.ts';

/** What a segment is checked against: the journal's id and writer, its stored range. */
export type HeldRange = Pick<JournalInfo, 'id' | 'head' | 'first'> & { parsed: ParsedId };

/** Throws MURMUR_INVALID_ARGUMENT / MURMUR_JOURNAL_TOO_LARGE unless every payload is bytes within the cap. */
export function checkPayloads(events: readonly { payload: Uint8Array }[]): void {
  for (const e of events) {
    if (!(e.payload instanceof Uint8Array))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'payload must be bytes');
    if (e.payload.length > MAX_PAYLOAD_BYTES) {
      throw new MurmurError('MURMUR_JOURNAL_TOO_LARGE', `payload of ${e.payload.length} bytes`, {
        details: { bytes: e.payload.length, max: MAX_PAYLOAD_BYTES },
      });
    }
  }
}

/** Throws MURMUR_INVALID_ARGUMENT / MURMUR_JOURNAL_TOO_LARGE unless a snapshot state is bytes within the cap. */
export function checkSnapshotState(state: Uint8Array): void {
  if (!(state instanceof Uint8Array)) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'state must be bytes');
  if (state.length > MAX_SNAPSHOT_STATE_BYTES) {
    throw new MurmurError('MURMUR_JOURNAL_TOO_LARGE', `snapshot state of ${state.length} bytes`);
  }
}

/**
 * The events of a segment past `head`, once it is checked to be signed by the writer and to
 * continue `headHash` (MURMUR_JOURNAL_FORGED / _GAP / _FORK otherwise). `pending`: events of earlier
 * segments of the same write, past the stored head; `hashAt`: the stored hash of an event.
 */
export async function checkSegment(
  m: HeldRange,
  head: number,
  headHash: Uint8Array,
  events: EventRecord[],
  pending: EventRecord[],
  hashAt: (seq: number) => Promise<Uint8Array | undefined>,
): Promise<EventRecord[]> {
  const id = m.id;
  const last = events.at(-1);
  const first = events[0];
  if (!last?.sig || !first) throw new MurmurError('MURMUR_JOURNAL_FORGED', 'segment is not signed');
  const msg = batchMessage(m.parsed, last.sigFirst ?? last.seq, last.seq, last.hash);
  if (!verifySignature(m.parsed.writer, msg, last.sig)) {
    throw new MurmurError('MURMUR_JOURNAL_FORGED', `bad writer signature on event ${last.seq}`, {
      details: { id, seq: last.seq },
    });
  }
  // authentic from here on: only the link to our head is left to check
  if (first.seq > head + 1) {
    throw new MurmurError('MURMUR_JOURNAL_GAP', `segment starts at ${first.seq}, head is ${head}`, {
      details: { id, head, seq: first.seq },
    });
  }
  const link = first.seq === head + 1 ? first.prev : events.find((e) => e.seq === head)?.hash;
  if (link === undefined) {
    // every event is at or below our head: a duplicate unless the writer signed another history
    const mine =
      last.seq > m.head
        ? pending.find((e) => e.seq === last.seq)?.hash
        : last.seq >= m.first
          ? await hashAt(last.seq)
          : undefined;
    if (mine && !bytesEqual(mine, last.hash)) throw forkError(id, last.seq);
    return [];
  }
  if (!bytesEqual(link, headHash)) throw forkError(id, head + 1);
  return events.filter((e) => e.seq > head);
}

/** The writer signed two different events `seq` (MURMUR_JOURNAL_FORK). */
export function forkError(id: JournalId, seq: number): MurmurError {
  return new MurmurError('MURMUR_JOURNAL_FORK', `the writer signed two different events ${seq}`, {
    details: { id, seq },
  });
}
