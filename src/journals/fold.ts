import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { MAX_SNAPSHOT_STATE_BYTES, READ_PAGE } from './constants.ts';
import type { JournalId } from './id.ts';
import { parseJsonPayload } from './journals.ts';
import type { SnapshotPolicy } from './policy.ts';
import type { JournalStore } from './store.ts';

/**
 * The built-in snapshot state of the daemon for journals of `{e, p}` JSON events (the original
 * odo-journal's convention): the payload of the latest event of each name, and counts.
 * `{ "v": 1, "last": { <e>: <p of the latest event named e> }, "count": <events folded>,
 * "other": <events among them that are not {e, p} JSON> }`.
 */
export interface FoldState {
  v: 1;
  /** Null-prototype object: an event named `__proto__` is an ordinary key. */
  last: Record<string, unknown>;
  count: number;
  other: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

const lastRecord = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

/** The state before any event. */
export function emptyFoldState(): FoldState {
  return { v: 1, last: lastRecord(), count: 0, other: 0 };
}

/**
 * Pure fold step: the state after `payloads` (event payload bytes, in order) following `state`.
 * `state` is not modified. Never throws on any payload bytes: what is not `{e, p}` JSON counts as
 * `other`.
 */
export function foldPayloads(state: FoldState, payloads: Iterable<Uint8Array>): FoldState {
  const last = lastRecord();
  for (const k of Object.keys(state.last)) last[k] = state.last[k];
  let { count, other } = state;
  for (const payload of payloads) {
    count++;
    const ev = parseJsonPayload(payload);
    if (ev === undefined) other++;
    else last[ev.e] = ev.p ?? null;
  }
  return { v: 1, last, count, other };
}

/** The state as stored in a snapshot (UTF-8 JSON). */
export function encodeFoldState(state: FoldState): Uint8Array {
  return enc.encode(JSON.stringify(state));
}

const badState = (why: string, cause?: unknown): MurmurError =>
  new MurmurError(
    'MURMUR_JOURNAL_BAD_SNAPSHOT',
    `the previous snapshot's state is not a fold state (${why}); take a manual snapshot with a fold state or disable automatic snapshots`,
    cause === undefined ? undefined : { cause },
  );

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Decodes a stored fold state; throws MURMUR_JOURNAL_BAD_SNAPSHOT for anything else. */
export function decodeFoldState(bytes: Uint8Array): FoldState {
  if (bytes.length > MAX_SNAPSHOT_STATE_BYTES) throw badState(`${bytes.length} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (cause) {
    throw badState('not UTF-8 JSON', cause);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badState('not an object');
  const o = v as Record<string, unknown>;
  if (o.v !== 1) throw badState('no "v": 1');
  const l = o.last;
  if (l === null || typeof l !== 'object' || Array.isArray(l)) throw badState('"last" is not an object');
  const other = o.other ?? 0;
  if (!isCount(o.count) || !isCount(other) || other > o.count) throw badState('bad counts');
  const last = lastRecord();
  for (const [k, p] of Object.entries(l)) last[k] = p;
  return { v: 1, last, count: o.count, other };
}

/**
 * `SnapshotPolicy.state` of the built-in fold: starts from the stored snapshot's state (if any) and
 * folds the events after it up to `upTo`, read from the store in pages of READ_PAGE. Throws
 * MURMUR_JOURNAL_TOO_LARGE when the state would exceed the snapshot cap (the snapshot is then
 * skipped: AutoSnapshots counts a failure and logs it), MURMUR_JOURNAL_BAD_SNAPSHOT when the
 * previous state is not a fold state, MURMUR_JOURNAL_COMPACTED when events it needs are gone.
 */
export async function jsonFoldState(
  id: JournalId,
  upTo: number,
  options: { signal?: AbortSignal; store: JournalStore },
): Promise<Uint8Array> {
  const { store, signal } = options;
  throwIfAborted(signal);
  const snap = await store.snapshotOf(id);
  let state = snap ? decodeFoldState(snap.state) : emptyFoldState();
  let next = (snap?.upTo ?? 0) + 1;
  if (next > upTo + 1) {
    throw new MurmurError('MURMUR_JOURNAL_BAD_SNAPSHOT', `a snapshot after ${upTo} exists already`, {
      details: { id, upTo, snapshot: snap?.upTo },
    });
  }
  while (next <= upTo) {
    throwIfAborted(signal);
    const page = await store.read(id, next, upTo, READ_PAGE);
    if (page[0]?.seq !== next) {
      throw new MurmurError('MURMUR_JOURNAL_COMPACTED', `event ${next} of ${id} is not held`, {
        details: { id, seq: next },
      });
    }
    state = foldPayloads(
      state,
      page.map((e) => e.payload),
    );
    next = page.at(-1)!.seq + 1;
  }
  const bytes = encodeFoldState(state);
  if (bytes.length > MAX_SNAPSHOT_STATE_BYTES) {
    throw new MurmurError(
      'MURMUR_JOURNAL_TOO_LARGE',
      `fold state of ${bytes.length} bytes exceeds the snapshot cap of ${MAX_SNAPSHOT_STATE_BYTES} bytes (too many event names or large payloads): snapshot skipped`,
      { details: { id, upTo, bytes: bytes.length, max: MAX_SNAPSHOT_STATE_BYTES } },
    );
  }
  return bytes;
}

/** Daemon snapshot settings (see src/config: --journal-snapshot-events / -every, --no-journal-compact). */
export interface FoldSnapshotSettings {
  everyEvents?: number | undefined;
  everyMs?: number | undefined;
  compact?: boolean | undefined;
}

/** The automatic snapshot policy of the daemon with the built-in fold; undefined when neither rule is set. */
export function jsonFoldPolicy(settings: FoldSnapshotSettings): SnapshotPolicy | undefined {
  const { everyEvents, everyMs, compact } = settings;
  if (everyEvents === undefined && everyMs === undefined) return undefined;
  return {
    ...(everyEvents === undefined ? {} : { everyEvents }),
    ...(everyMs === undefined ? {} : { everyMs }),
    compact: compact !== false,
    state: jsonFoldState,
  };
}
