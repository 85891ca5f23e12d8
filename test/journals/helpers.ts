import { MemoryLevel } from 'memory-level';
import { Journals, type JournalsOptions } from '../../src/journals/journals.ts';
import { generateWriter, type Writer } from '../../src/journals/keys.ts';

export const enc = new TextEncoder();
export const dec = new TextDecoder();

export async function openJournals(
  options: Partial<JournalsOptions> & { writer?: Writer } = {},
): Promise<Journals & { db: MemoryLevel<string, Uint8Array> }> {
  const db = options.db ?? new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' });
  const j = new Journals({ writer: generateWriter(), ...options, db });
  await j.start();
  return Object.assign(j, { db: db as MemoryLevel<string, Uint8Array> });
}

export const payloads = (n: number, size = 20, tag = 'x'): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => enc.encode(`${tag}${i}`.padEnd(size, '.')));

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
