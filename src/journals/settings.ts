import { MurmurError } from '../errors/index.ts';
import { isJournalId, type JournalId } from './id.ts';
import type { JournalsServiceOptions } from './service.ts';

/**
 * Service settings from the environment (used by `murmur start`):
 * MURMUR_JOURNAL_KEY (key file), MURMUR_JOURNALS_FOLLOW (`all` | `on-demand` | comma-separated ids),
 * MURMUR_JOURNALS_CATALOGUE_MS, MURMUR_JOURNALS_STALL_MS, MURMUR_JOURNALS_BACKOFF_MS (tests shorten them).
 */
export function journalsOptionsFromEnv(env: Record<string, string | undefined>): JournalsServiceOptions {
  const out: JournalsServiceOptions = {};
  const key = env.MURMUR_JOURNAL_KEY?.trim();
  if (key) out.keyFile = key;
  const follow = env.MURMUR_JOURNALS_FOLLOW?.trim();
  if (follow === 'all') out.follow = { mode: 'all' };
  else if (follow === 'on-demand') out.follow = { mode: 'on-demand' };
  else if (follow) {
    const journals = follow
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '') as JournalId[];
    for (const j of journals) {
      if (!isJournalId(j))
        throw new MurmurError('MURMUR_JOURNAL_BAD_ID', `MURMUR_JOURNALS_FOLLOW: bad id ${j}`);
    }
    out.follow = { mode: 'list', journals };
  }
  const ms = (name: string): number | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${name} must be ms > 0`);
    return n;
  };
  const c = ms('MURMUR_JOURNALS_CATALOGUE_MS');
  if (c !== undefined) out.catalogueIntervalMs = c;
  const s = ms('MURMUR_JOURNALS_STALL_MS');
  if (s !== undefined) out.stallTimeoutMs = s;
  const b = ms('MURMUR_JOURNALS_BACKOFF_MS');
  if (b !== undefined) out.backoffMs = b;
  return out;
}
