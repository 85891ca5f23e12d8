import type { JournalEvent, Snapshot } from './event.ts';
import { parseJsonPayload } from './journals.ts';
import { toHex } from './keys.ts';
import type { JournalInfo } from './meta.ts';

/** An event as the API and the CLI show it: `{e, p}` when the payload is such JSON, else base64 bytes. */
export interface EventView {
  seq: number;
  time: number;
  hash: string;
  e?: string;
  p?: unknown;
  payload?: string;
}

export interface SnapshotView {
  upTo: number;
  time: number;
  hash: string;
  /** The state as text when it is UTF-8, else absent (see stateBase64). */
  state?: string;
  stateBase64: string;
}

export interface JournalView {
  id: string;
  writer: string;
  name: string;
  /** Oldest stored event (from > to: none stored). */
  from: number;
  /** Head: last verified event. */
  to: number;
  /** upTo of the stored snapshot (0: none). */
  snapshot: number;
  /** Hash of the head event (hex): two nodes with the same to and hash hold the same journal. */
  hash: string;
  own: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function eventView(e: JournalEvent): EventView {
  const json = parseJsonPayload(e.payload);
  const base = { seq: e.seq, time: e.time, hash: toHex(e.hash) };
  return json
    ? { ...base, e: json.e, ...(json.p === undefined ? {} : { p: json.p }) }
    : { ...base, payload: Buffer.from(e.payload).toString('base64') };
}

export function snapshotView(s: Snapshot): SnapshotView {
  let state: string | undefined;
  try {
    state = utf8.decode(s.state);
  } catch {}
  return {
    upTo: s.upTo,
    time: s.time,
    hash: toHex(s.hash),
    ...(state === undefined ? {} : { state }),
    stateBase64: Buffer.from(s.state).toString('base64'),
  };
}

export function journalView(i: JournalInfo, own: boolean): JournalView {
  return {
    id: i.id,
    writer: i.writer,
    name: i.name,
    from: i.first,
    to: i.head,
    snapshot: i.snapshot,
    hash: toHex(i.headHash),
    own,
  };
}
