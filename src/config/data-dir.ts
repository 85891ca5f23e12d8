import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_DATA_DIR, ENV } from './constants.ts';

/**
 * Resolves the data folder alone: flag > env (MURMUR_DATA) > default, relative to `cwd`. Kept apart
 * from the full settings so the API clients of the CLI load nothing else (start-up time).
 */
export function resolveDataDir(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string {
  const fromEnv = env[ENV.data];
  const d =
    flag ?? (fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv) ?? DEFAULT_DATA_DIR;
  return isAbsolute(d) ? d : resolve(cwd, d);
}
