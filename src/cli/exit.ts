import { httpStatusOf, isMurmurError, type MurmurError } from '../errors/index.ts';

/**
 * Exit codes of the murmur commands, by class of failure (docs/CLI.md), so a script can tell a typo
 * from a node that is down from a refusal without parsing messages.
 */
export const EXIT = {
  ok: 0,
  /** Anything not in a class below (an internal error, a conflict such as an existing journal). */
  error: 1,
  /** Bad usage or input: an unknown option, a malformed argument, a value the node refuses as invalid. */
  usage: 2,
  /** No node is running on the data folder (or its API does not answer). */
  notRunning: 3,
  /** Refused by authority: no grant for the key, not the journal's writer, a bad API token. */
  refused: 4,
  /** What was asked for does not exist (key, journal, chunk, peer, route). */
  notFound: 5,
  /** The network: a timeout, a peer that cannot be reached or does not speak the protocol. */
  network: 6,
  /** The node's storage: disk full, the store failed, a file-system error. */
  storage: 7,
  /** Cancelled (Ctrl-C, an aborted request). */
  aborted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const STORAGE = new Set(['MURMUR_DISK_FULL', 'MURMUR_STORE_FAILED', 'MURMUR_IO', 'MURMUR_CHUNKS_STORAGE']);
const NETWORK = new Set(['MURMUR_TIMEOUT', 'MURMUR_PROTOCOL_UNSUPPORTED']);

/**
 * The exit code for an error: by code where the class is the code's own, else by the HTTP status the
 * node answered (`status`, when the error came from the local API) or the code's status in the error
 * table.
 */
export function exitCodeOf(err: unknown, status?: number): ExitCode {
  if (!isMurmurError(err)) return EXIT.error;
  const code: string = (err as MurmurError).code;
  if (code === 'MURMUR_NODE_NOT_RUNNING') return EXIT.notRunning;
  if (code === 'MURMUR_ABORTED') return EXIT.aborted;
  if (STORAGE.has(code)) return EXIT.storage;
  if (NETWORK.has(code) || /_DIAL_|_UNREACHABLE$|_HANDSHAKE_/.test(code)) return EXIT.network;
  const http = status ?? httpStatusOf(err);
  if (http === 400 || http === 405 || http === 413) return EXIT.usage;
  if (http === 401 || http === 403) return EXIT.refused;
  if (http === 404) return EXIT.notFound;
  if (http === 502 || http === 504) return EXIT.network;
  if (http === 507) return EXIT.storage;
  if (http === 499) return EXIT.aborted;
  return EXIT.error;
}
