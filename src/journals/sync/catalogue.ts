import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Clock } from '../../clock/index.ts';
import { MurmurError } from '../../errors/index.ts';
import { type FrameChannel, FrameReader } from '../../streamer/channel.ts';
import { CATALOGUE_TIMEOUT_MS, MAX_CATALOGUE_BYTES, MAX_CATALOGUE_ENTRIES } from '../constants.ts';
import { isJournalId, type JournalId } from '../id.ts';
import { CatalogueRequestSchema, CatalogueSchema } from '../proto/journals_pb.js';
import type { JournalStore } from '../store.ts';

/** What a peer holds of one journal: events from..to (from > to: none) and its snapshot's upTo (0: none). */
export interface CatalogueEntry {
  journal: JournalId;
  from: number;
  to: number;
  snapshot: number;
}

const bad = (why: string, cause?: unknown): MurmurError =>
  new MurmurError('MURMUR_JOURNAL_BAD_MESSAGE', why, cause === undefined ? undefined : { cause });

function capped(bytes: Uint8Array): void {
  if (bytes.length > MAX_CATALOGUE_BYTES) {
    throw new MurmurError('MURMUR_JOURNAL_TOO_LARGE', `catalogue message of ${bytes.length} bytes`);
  }
}

export function encodeCatalogue(entries: CatalogueEntry[]): Uint8Array {
  return toBinary(
    CatalogueSchema,
    create(CatalogueSchema, {
      entries: entries.map((e) => ({
        journal: e.journal,
        from: BigInt(e.from),
        to: BigInt(e.to),
        snapshot: BigInt(e.snapshot),
      })),
    }),
  );
}

/** Cap first, then protobuf, then every entry (valid id, safe integers, from ≤ to + 1, snapshot ≤ to). */
export function decodeCatalogue(bytes: Uint8Array): CatalogueEntry[] {
  capped(bytes);
  let m: ReturnType<typeof fromBinary<typeof CatalogueSchema>>;
  try {
    m = fromBinary(CatalogueSchema, bytes);
  } catch (err) {
    throw bad('undecodable catalogue', err);
  }
  if (m.entries.length > MAX_CATALOGUE_ENTRIES) throw bad('too many catalogue entries');
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return m.entries.map((e) => {
    if (!isJournalId(e.journal)) throw bad('bad journal id in catalogue');
    if (e.from > max || e.to > max || e.snapshot > max) throw bad('catalogue number out of range');
    if (e.from > e.to + 1n || e.snapshot > e.to || e.from < 1n) throw bad('inconsistent catalogue entry');
    return { journal: e.journal, from: Number(e.from), to: Number(e.to), snapshot: Number(e.snapshot) };
  });
}

export function encodeCatalogueRequest(journals: JournalId[]): Uint8Array {
  return toBinary(CatalogueRequestSchema, create(CatalogueRequestSchema, { journals }));
}

export function decodeCatalogueRequest(bytes: Uint8Array): JournalId[] {
  capped(bytes);
  let m: ReturnType<typeof fromBinary<typeof CatalogueRequestSchema>>;
  try {
    m = fromBinary(CatalogueRequestSchema, bytes);
  } catch (err) {
    throw bad('undecodable catalogue request', err);
  }
  if (m.journals.length > MAX_CATALOGUE_ENTRIES) throw bad('too many journals in a catalogue request');
  for (const j of m.journals) if (!isJournalId(j)) throw bad('bad journal id in catalogue request');
  return m.journals;
}

/** This node's catalogue (all journals, or those asked for). */
export function catalogueOf(store: JournalStore, journals: JournalId[] = []): CatalogueEntry[] {
  const infos = journals.length === 0 ? store.list() : journals.flatMap((j) => store.info(j) ?? []);
  return infos.slice(0, MAX_CATALOGUE_ENTRIES).map((i) => ({
    journal: i.id,
    from: i.first,
    to: i.head,
    snapshot: i.snapshot,
  }));
}

/** Client side: one request, one answer, then the channel is closed. */
export async function requestCatalogue(
  channel: FrameChannel,
  journals: JournalId[],
  options: { signal?: AbortSignal; timeoutMs?: number; clock?: Clock } = {},
): Promise<CatalogueEntry[]> {
  try {
    await channel.send(encodeCatalogueRequest(journals), options.signal ? { signal: options.signal } : {});
    const frame = await new FrameReader(channel, options.clock ? { clock: options.clock } : {}).next({
      timeoutMs: options.timeoutMs ?? CATALOGUE_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return decodeCatalogue(frame);
  } finally {
    channel.close();
  }
}

/** Server side: answers one request on the channel, then closes it. Bad input ends the exchange silently. */
export async function serveCatalogue(
  channel: FrameChannel,
  store: JournalStore,
  options: { signal?: AbortSignal; timeoutMs?: number; clock?: Clock } = {},
): Promise<void> {
  try {
    const frame = await new FrameReader(channel, options.clock ? { clock: options.clock } : {}).next({
      timeoutMs: options.timeoutMs ?? CATALOGUE_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const asked = decodeCatalogueRequest(frame);
    await channel.send(encodeCatalogue(catalogueOf(store, asked)));
  } finally {
    channel.close();
  }
}
