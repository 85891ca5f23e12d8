/** On-disk format version of the store; bumped on incompatible key layout changes (docs/STORAGE.md). */
export const STORE_FORMAT_VERSION = 1;

/**
 * The node's own namespaces. Every service gets the namespace named after it (`tree`, `journals`,
 * `chunks`, …), so no service may be named like one of these. Append-only: a name never changes.
 */
export const SUBLEVELS = ['meta', 'peers'] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

/** A service's namespace is its name (`[a-z][a-z0-9_-]*`, not one of SUBLEVELS). */
export type NamespaceName = SublevelName | (string & {});

/** Key, inside the `meta` sublevel, of the format record (JSON `{ "version": 1 }`). */
export const META_FORMAT_KEY = 'format';

/** Name of the LevelDB folder inside the data folder. */
export const DB_DIR = 'db';

/** Name of the pid lock file guarding the whole data folder. */
export const LOCK_FILE = 'murmur.lock';

/** Between two checks of a failed store before it is reopened (ms, the node's clock). */
export const STORE_RETRY_MS = 1000;

/** Free bytes wanted, beyond the size of LevelDB's logs, before a disk-full store is reopened. */
export const STORE_REOPEN_MARGIN_BYTES = 1024 * 1024;
