import { MurmurError } from '../errors/index.ts';

// Parsers of setting values (flags, environment, config.json) that data kinds use in `configure()`.
// Each throws MURMUR_CONFIG_INVALID (defined in src/config/codes.ts) naming `what` (the flag, the env
// variable and the config key).

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/**
 * A size in bytes: a whole number of bytes (`1048576`, `"1048576"`) or a number with a unit, any
 * case: B, KB / MB / GB / TB (powers of 1000), KiB / MiB / GiB / TiB (powers of 1024), K / M / G / T
 * as KB…; decimals allowed with a unit (`1.5GiB`), the result rounded down to whole bytes. Anything
 * else (negative, unknown unit, over 2^53) throws MURMUR_CONFIG_INVALID naming `what`.
 */
export function parseSizeSetting(value: string | number, what: string): number {
  const bad = (): MurmurError =>
    new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `${what}: bad size ${JSON.stringify(value)} (bytes, or a number with KB, MB, GB, KiB, MiB, GiB…: 512MiB, 16GiB; 0 = unlimited)`,
    );
  let bytes: number;
  if (typeof value === 'number') bytes = value;
  else {
    const m = /^\s*(\d{1,16}(?:\.\d{1,9})?)\s*([a-zA-Z]{0,3})\s*$/.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined || (m[1]!.includes('.') && m[2] === '')) throw bad();
    bytes = Math.floor(Number(m[1]) * unit);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw bad();
  return bytes;
}

const invalid = (message: string): MurmurError => new MurmurError('MURMUR_CONFIG_INVALID', message);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in ms: a number of ms (`1500`, `"1500"`) or `<integer><unit>` with unit ms, s, m or h
 * (`"30s"`, `"10m"`, `"1h"`). 0 turns the rule off (undefined). Anything else (negative, fractional,
 * non-numeric, unknown unit) throws MURMUR_CONFIG_INVALID naming `what`.
 */
export function parseDurationSetting(value: string | number, what: string): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else {
    const m = /^\s*(\d{1,15})\s*(ms|s|m|h)?\s*$/.exec(value);
    if (!m) {
      throw invalid(
        `${what}: bad duration "${value}" (use ms, or a whole number with s, m or h: 30s, 10m, 1h)`,
      );
    }
    ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  }
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw invalid(`${what}: bad duration ${JSON.stringify(value)} (a whole number of ms ≥ 0)`);
  }
  return ms === 0 ? undefined : ms;
}

/** An event count: a whole number ≥ 0 (number or decimal string); 0 turns the rule off (undefined). */
export function parseCountSetting(value: string | number, what: string): number | undefined {
  const n = typeof value === 'number' ? value : /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid(`${what}: bad event count ${JSON.stringify(value)} (a whole number ≥ 0; 0 = off)`);
  }
  return n === 0 ? undefined : n;
}

/** A boolean: true / false, or the strings true, false, 1, 0, yes, no, on, off (any case). */
export function parseBoolSetting(value: string | boolean, what: string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw invalid(`${what}: bad boolean "${value}" (use true or false)`);
}
