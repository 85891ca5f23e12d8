import './codes.ts';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import { KINDS } from '../kinds/index.ts';
import type { DataKind, KindSetting, RawKindSettings } from '../service/kind.ts';
import { type ApiAddress, isLoopbackHost, parseApiAddress, parseMultiaddr } from './address.ts';
import {
  CONFIG_FILE,
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  DEFAULT_ENCRYPTION,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  DEFAULT_NETWORK_ID,
  ENCRYPTIONS,
  ENV,
  LOG_LEVELS,
  MAX_CONFIG_BYTES,
  NETWORK_ID_PATTERN,
} from './constants.ts';
import { resolveDataDir } from './data-dir.ts';

export type { ChunksConfig } from '../chunks/settings.ts';
export type { JournalSnapshotConfig } from '../journals/settings.ts';
export {
  parseBoolSetting,
  parseCountSetting,
  parseDurationSetting,
  parseSizeSetting,
} from '../service/settings.ts';
export { type ApiAddress, isLoopbackHost, parseApiAddress, parseMultiaddr } from './address.ts';
export * from './constants.ts';

export type LogLevel = (typeof LOG_LEVELS)[number];
export type Encryption = (typeof ENCRYPTIONS)[number];

/** Settings as given by one source (flags, environment or config.json); all optional, unvalidated. */
export interface RawSettings {
  data?: string;
  listen?: string[];
  bootstrap?: string[];
  iface?: string;
  api?: string;
  network?: string;
  logLevel?: string;
  encryption?: string;
  /** The data kinds' settings (src/kinds: `chunksCapacity`, `journalSnapshotEvents`, …), by key. */
  [kindSetting: string]: string | number | boolean | string[] | undefined;
}

/** The validated settings of a daemon. */
export interface MurmurConfig {
  /** Absolute data folder. */
  dataDir: string;
  listen: string[];
  /** True when `listen` is the default (the daemon may then fall back to a free port). */
  listenIsDefault: boolean;
  bootstrap: string[];
  iface: string | undefined;
  api: ApiAddress;
  /** True when `api` is the default (the daemon may then fall back to a free port). */
  apiIsDefault: boolean;
  networkId: string;
  logLevel: LogLevel;
  encryption: Encryption;
  /**
   * Each data kind's validated settings by kind name (its descriptor's `configure()`); optional in the
   * type: configs built by hand may omit it, and a kind missing here is configured from no settings.
   */
  kinds?: Record<string, unknown>;
}

/** Every setting of the registered data kinds, with its kind. */
const kindSettings = (kinds: readonly DataKind[]): KindSetting[] => kinds.flatMap((k) => k.settings);

/** Node keys accepted in <data>/config.json (same names as RawSettings, minus `data`). */
const NODE_FILE_KEYS = ['listen', 'bootstrap', 'iface', 'api', 'network', 'logLevel', 'encryption'] as const;

/** Reads settings from environment variables (see ENV). */
export function settingsFromEnv(env: Record<string, string | undefined>): RawSettings {
  const list = (v: string | undefined): string[] | undefined =>
    v === undefined || v.trim() === ''
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  const str = (v: string | undefined): string | undefined =>
    v === undefined || v.trim() === '' ? undefined : v;
  const out: RawSettings = {};
  const data = str(env[ENV.data]);
  if (data !== undefined) out.data = data;
  const listen = list(env[ENV.listen]);
  if (listen !== undefined) out.listen = listen;
  const bootstrap = list(env[ENV.bootstrap]);
  if (bootstrap !== undefined) out.bootstrap = bootstrap;
  const iface = str(env[ENV.iface]);
  if (iface !== undefined) out.iface = iface;
  const api = str(env[ENV.api]);
  if (api !== undefined) out.api = api;
  const network = str(env[ENV.network]);
  if (network !== undefined) out.network = network;
  const logLevel = str(env[ENV.logLevel]);
  if (logLevel !== undefined) out.logLevel = logLevel;
  const encryption = str(env[ENV.encryption]);
  if (encryption !== undefined) out.encryption = encryption;
  for (const setting of kindSettings(KINDS)) {
    const v = str(env[setting.env]);
    if (v !== undefined) out[setting.key] = v;
  }
  return out;
}

/** Reads and checks <data>/config.json; a missing file is an empty config. */
export async function readConfigFile(
  dataDir: string,
  options: { signal?: AbortSignal } = {},
): Promise<RawSettings> {
  const path = resolve(dataDir, CONFIG_FILE);
  let text: string;
  try {
    const buf = await readFile(path, { signal: options.signal });
    if (buf.length > MAX_CONFIG_BYTES) {
      throw new MurmurError('MURMUR_CONFIG_INVALID', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    text = buf.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    if (err instanceof MurmurError) throw err;
    throw new MurmurError('MURMUR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MurmurError('MURMUR_CONFIG_INVALID', `${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new MurmurError('MURMUR_CONFIG_INVALID', `${path} must hold a JSON object`);
  }
  const out: RawSettings = {};
  const kindKeys = new Map(
    kindSettings(KINDS)
      .filter((k) => k.inFile !== false)
      .map((k) => [k.key, k]),
  );
  const known = [...NODE_FILE_KEYS, ...kindKeys.keys()];
  for (const [key, value] of Object.entries(json)) {
    const setting = kindKeys.get(key);
    if (!(NODE_FILE_KEYS as readonly string[]).includes(key) && setting === undefined) {
      throw new MurmurError(
        'MURMUR_CONFIG_INVALID',
        `${path}: unknown setting "${key}" (known: ${known.join(', ')})`,
      );
    }
    if (key === 'listen' || key === 'bootstrap') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new MurmurError(
          'MURMUR_CONFIG_INVALID',
          `${path}: "${key}" must be an array of multiaddr strings`,
        );
      }
      out[key] = value;
    } else if (setting !== undefined) {
      if (!(setting.accepts as readonly string[]).includes(typeof value)) {
        throw new MurmurError('MURMUR_CONFIG_INVALID', `${path}: "${key}" must be ${acceptsText(setting)}`);
      }
      out[key] = value as string | number | boolean;
    } else {
      if (typeof value !== 'string') {
        throw new MurmurError('MURMUR_CONFIG_INVALID', `${path}: "${key}" must be a string`);
      }
      out[key] = value;
    }
  }
  return out;
}

/**
 * Merges the sources with precedence flags > env > <data>/config.json > defaults and validates
 * everything: bad multiaddrs and API addresses throw MURMUR_BAD_ADDRESS, other bad values
 * MURMUR_CONFIG_INVALID.
 */
export async function loadConfig(
  sources: { flags?: RawSettings; env?: Record<string, string | undefined>; cwd?: string },
  options: { signal?: AbortSignal } = {},
): Promise<MurmurConfig> {
  const flags = sources.flags ?? {};
  const envRaw = sources.env ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const env = settingsFromEnv(envRaw);
  const dataDir = resolveDataDir(flags.data, envRaw, cwd);
  const file = await readConfigFile(dataDir, options);
  const pick = <K extends keyof RawSettings>(key: K): RawSettings[K] => flags[key] ?? env[key] ?? file[key];

  const listenRaw = pick('listen');
  const listen = (listenRaw ?? DEFAULT_LISTEN).map((a) => parseMultiaddr(a));
  const bootstrap = (pick('bootstrap') ?? []).map((a) => parseMultiaddr(a, { needPeerId: true }));

  const apiRaw = pick('api');
  const api =
    apiRaw === undefined ? { host: DEFAULT_API_HOST, port: DEFAULT_API_PORT } : parseApiAddress(apiRaw);

  if (!isLoopbackHost(api.host)) {
    throw new MurmurError(
      'MURMUR_API_NOT_LOOPBACK',
      `the local API must listen on a loopback address, not "${api.host}" (use 127.0.0.1:PORT or [::1]:PORT)`,
    );
  }
  const networkId = pick('network') ?? DEFAULT_NETWORK_ID;
  if (!NETWORK_ID_PATTERN.test(networkId)) {
    throw new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `bad network id "${networkId}": use 1-64 letters, digits, dots, dashes or underscores`,
    );
  }
  const logLevel = pick('logLevel') ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `bad log level "${logLevel}" (use ${LOG_LEVELS.join(', ')})`,
    );
  }
  const encryption = pick('encryption') ?? DEFAULT_ENCRYPTION;
  if (!(ENCRYPTIONS as readonly string[]).includes(encryption)) {
    throw new MurmurError(
      'MURMUR_CONFIG_INVALID',
      `bad encryption "${encryption}" (use ${ENCRYPTIONS.join(' or ')})`,
    );
  }
  const iface = pick('iface');
  if (iface !== undefined && !/^[A-Za-z0-9._@:-]{1,32}$/.test(iface)) {
    throw new MurmurError('MURMUR_CONFIG_INVALID', `bad interface name "${iface}"`);
  }
  const kinds: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const raw: RawKindSettings = {};
    for (const setting of kind.settings) {
      const v = pick(setting.key);
      if (v !== undefined && !Array.isArray(v)) raw[setting.key] = v;
    }
    kinds[kind.name] = kind.configure(raw);
  }
  return {
    dataDir,
    listen,
    listenIsDefault: listenRaw === undefined,
    bootstrap,
    iface,
    api,
    apiIsDefault: apiRaw === undefined,
    networkId,
    logLevel: logLevel as LogLevel,
    encryption: encryption as Encryption,
    kinds,
  };
}

/** `a number or a string`, from a setting's accepted JSON types. */
function acceptsText(setting: KindSetting): string {
  const names: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'true or false' };
  return setting.accepts.map((a) => names[a]).join(' or ');
}

export { resolveDataDir };
