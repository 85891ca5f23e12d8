import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { READ_PAGE } from './constants.ts';
import type { EventRecord, JournalEvent, Snapshot } from './event.ts';
import type { JournalId } from './id.ts';
import type { JournalStore } from './store.ts';

/** What a reader gets: the snapshot when it starts before the compaction point, then events. */
export type TailItem = { type: 'snapshot'; snapshot: Snapshot } | { type: 'event'; event: JournalEvent };

export interface TailOptions {
  /** First sequence number wanted (default 1). */
  from?: number;
  /** Keep waiting for new events after the history (default true). */
  live?: boolean;
  /** Events read from the store per page (default 1000). */
  page?: number;
  signal?: AbortSignal;
}

export const plain = ({ sig: _s, sigFirst: _f, ...e }: EventRecord): JournalEvent => e;

/**
 * History in pages, then live, with no gap and no duplicate at the switch: the reader always reads the
 * store at its own cursor, and waits (registered in the same tick as the last check) only when the
 * cursor is past the head. A reader starting before the compaction point gets the snapshot first,
 * then events from snapshot.upTo + 1.
 */
export async function* tail(
  store: JournalStore,
  id: JournalId,
  options: TailOptions = {},
): AsyncGenerator<TailItem> {
  const { live = true, page = READ_PAGE, signal } = options;
  let next = Math.max(1, options.from ?? 1);
  for (;;) {
    throwIfAborted(signal);
    const info = store.info(id);
    if (!info) throw new MurmurError('MURMUR_JOURNAL_NOT_FOUND', `no journal ${id}`, { details: { id } });
    if (next < info.first) {
      const snap = await store.snapshotOf(id);
      if (snap && next <= snap.upTo) {
        yield { type: 'snapshot', snapshot: snap };
        next = snap.upTo + 1;
        continue;
      }
      next = info.first;
    }
    if (next <= info.head) {
      const events = await store.read(id, next, info.head, page);
      if (events[0]?.seq === next) {
        for (const e of events) yield { type: 'event', event: plain(e) };
        next = events.at(-1)!.seq + 1;
        continue;
      }
      if (next >= (store.info(id)?.first ?? 0)) {
        throw new MurmurError('MURMUR_JOURNAL_COMPACTED', `event ${next} is missing from the store`);
      }
      continue; // compacted meanwhile: the snapshot comes next
    }
    if (!live) return;
    const now = store.info(id);
    if (now && (now.head >= next || next < now.first)) continue;
    await store.waiters.wait(id, signal);
  }
}

export type FirehoseItem =
  | { journal: JournalId; type: 'event'; event: JournalEvent }
  | { journal: JournalId; type: 'snapshot'; snapshot: Snapshot };

/**
 * Every event committed to any journal this node holds, journal by journal in pages, then live.
 * `from: 'now'` (default) starts after each journal's current head, `'start'` from its beginning.
 * Journals that appear later are read from their beginning. Pull-based: a slow reader holds no buffer.
 */
export async function* firehose(
  store: JournalStore,
  options: { from?: 'now' | 'start'; page?: number; signal?: AbortSignal } = {},
): AsyncGenerator<FirehoseItem> {
  const { page = READ_PAGE, signal } = options;
  const cursors = new Map<JournalId, number>();
  for (const j of store.list()) cursors.set(j.id, options.from === 'start' ? 1 : j.head + 1);
  for (;;) {
    throwIfAborted(signal);
    const version = store.waiters.version;
    let more = false;
    for (const j of store.list()) {
      let next = cursors.get(j.id) ?? 1;
      if (next < j.first) {
        const snap = await store.snapshotOf(j.id);
        if (snap && next <= snap.upTo) yield { journal: j.id, type: 'snapshot', snapshot: snap };
        next = j.first;
      }
      if (next <= j.head) {
        const events = await store.read(j.id, next, j.head, page);
        for (const e of events) yield { journal: j.id, type: 'event', event: plain(e) };
        if (events.length > 0) next = events.at(-1)!.seq + 1;
      }
      cursors.set(j.id, next);
      if (next <= j.head) more = true;
    }
    if (!more && store.waiters.version === version) await store.waiters.wait(undefined, signal);
  }
}
