import { MurmurError } from '../errors/index.ts';
import { DOMAIN, NAME_PATTERN } from './constants.ts';
import { sha256, toHex } from './keys.ts';

/** Textual journal id: `<64 lowercase hex chars of the writer's Ed25519 public key>/<name>`. */
export type JournalId = string;

export interface ParsedId {
  id: JournalId;
  writer: Uint8Array;
  name: string;
  /** Bytes of the name (UTF-8, ASCII by the name grammar). */
  nameBytes: Uint8Array;
}

const ID_PATTERN = /^([0-9a-f]{64})\/([A-Za-z0-9._-]{1,64})$/;
const enc = new TextEncoder();
const cache = new Map<string, ParsedId>();

export function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new MurmurError('MURMUR_JOURNAL_BAD_ID', 'a journal name is 1-64 characters of A-Z a-z 0-9 . _ -', {
      details: { name: String(name).slice(0, 80) },
    });
  }
}

export function formatJournalId(writer: Uint8Array, name: string): JournalId {
  checkName(name);
  if (writer.length !== 32) throw new MurmurError('MURMUR_JOURNAL_BAD_ID', 'a writer key is 32 bytes');
  return `${toHex(writer)}/${name}`;
}

/** Parses and validates a journal id; throws MURMUR_JOURNAL_BAD_ID. */
export function parseJournalId(id: string): ParsedId {
  const hit = cache.get(id);
  if (hit) return hit;
  const m = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
  if (!m) {
    throw new MurmurError('MURMUR_JOURNAL_BAD_ID', 'a journal id is <64 hex writer key>/<name>', {
      details: { id: String(id).slice(0, 140) },
    });
  }
  const name = m[2]!;
  const parsed = { id, writer: new Uint8Array(Buffer.from(m[1]!, 'hex')), name, nameBytes: enc.encode(name) };
  if (cache.size > 10_000) cache.clear();
  cache.set(id, parsed);
  return parsed;
}

export function isJournalId(id: unknown): id is JournalId {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

/** The `prev` of event 1: binds the chain to the writer and the name. */
export function genesisHash(j: ParsedId): Uint8Array {
  return sha256(enc.encode(DOMAIN.genesis), j.writer, j.nameBytes);
}
