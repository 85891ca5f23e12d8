import type { JournalId } from './id.ts';

/**
 * Key layout inside the journals sublevel (utf8 keys, binary values). Sequence numbers are 16
 * lowercase hex digits so keys sort in sequence order; a name never contains '!'.
 *   m!<id>          Meta (head, head hash, first stored seq, snapshot up_to)
 *   e!<id>!<seq>    Event record
 *   g!<id>!<seq>    hash of a signed event (segment boundary index)
 *   s!<id>          Snapshot
 */
export const seqKey = (seq: number): string => seq.toString(16).padStart(16, '0');
export const metaKey = (id: JournalId): string => `m!${id}`;
export const eventKey = (id: JournalId, seq: number): string => `e!${id}!${seqKey(seq)}`;
export const boundaryKey = (id: JournalId, seq: number): string => `g!${id}!${seqKey(seq)}`;
export const snapshotKey = (id: JournalId): string => `s!${id}`;
export const seqOfKey = (key: string): number => Number.parseInt(key.slice(-16), 16);
export const META_RANGE = { gte: 'm!', lt: 'm"' } as const;
