/** On-disk format version of the store; bumped on incompatible key layout changes (docs/STORAGE.md). */
export const STORE_FORMAT_VERSION = 1;

/** Sublevel (namespace) per module. Append-only: a module's name never changes. */
export const SUBLEVELS = [
  'meta',
  'peers',
  'overlay',
  'tree',
  'journals',
  'chunks',
  'streamer',
  'tables',
] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

/** Key, inside the `meta` sublevel, of the format record (JSON `{ "version": 1 }`). */
export const META_FORMAT_KEY = 'format';

/** Name of the LevelDB folder inside the data folder. */
export const DB_DIR = 'db';

/** Name of the pid lock file guarding the whole data folder. */
export const LOCK_FILE = 'murmur.lock';
