/** Defaults of the murmur daemon settings (see src/config/index.ts for the precedence rules). */

/** Data folder, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.murmur';
/** libp2p listen address: all IPv4 interfaces, kvgossip's sync port (falls back to a free port if taken). */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/9021'];
/** Local API: loopback, kvgossip's control port (falls back to a free port if taken). */
export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 9022;
export const DEFAULT_NETWORK_ID = 'murmur';
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_ENCRYPTION = 'noise';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const ENCRYPTIONS = ['noise', 'tls'] as const;

/** File names inside the data folder. */
export const CONFIG_FILE = 'config.json';
export const API_TOKEN_FILE = 'api-token';
export const API_INFO_FILE = 'api.json';
/** Largest config.json read. */
export const MAX_CONFIG_BYTES = 64 * 1024;
/** Network ids: short printable names. */
export const NETWORK_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Environment variables (comma-separated lists for LISTEN and BOOTSTRAP). */
export const ENV = {
  data: 'MURMUR_DATA',
  listen: 'MURMUR_LISTEN',
  bootstrap: 'MURMUR_BOOTSTRAP',
  iface: 'MURMUR_IFACE',
  api: 'MURMUR_API',
  network: 'MURMUR_NETWORK',
  logLevel: 'MURMUR_LOG_LEVEL',
  encryption: 'MURMUR_ENCRYPTION',
} as const;
