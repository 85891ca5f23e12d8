import { MurmurError } from '../errors/index.ts';

/**
 * A protocol as `ctx.handle` and `ctx.dial` take it: one id, or the ids of one protocol with its
 * current id first (`/murmur/<kind>/<name>/<version>`) and then the ids it was known by before, its
 * legacy ids (kept for one version: dropped in the next minor version). The handler serves every id;
 * the dialler offers them in order and the first one the remote serves is used.
 */
export type ProtocolIds = string | readonly string[];

/**
 * Which ids a node speaks: `all` (the default) serves every id of a protocol and offers the current
 * one first; `legacy` only the ids a node of the previous version knew (a protocol's legacy ids, or
 * its one id when it has none), so a test can play an older node.
 */
export type ProtocolIdMode = 'all' | 'legacy';

/** The ids of a protocol argument, current first; MURMUR_INVALID_ARGUMENT when there is none. */
export function protocolIdList(protocol: ProtocolIds): readonly string[] {
  const ids = typeof protocol === 'string' ? [protocol] : protocol;
  if (ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a protocol needs at least one non-empty id');
  }
  return ids;
}

/** The protocol's current id: what its metrics and logs are labelled with. */
export function currentProtocolId(protocol: ProtocolIds): string {
  return protocolIdList(protocol)[0]!;
}

/** The ids a node in `mode` serves and offers for `protocol`, in order of preference. */
export function spokenProtocolIds(protocol: ProtocolIds, mode: ProtocolIdMode = 'all'): readonly string[] {
  const ids = protocolIdList(protocol);
  return mode === 'legacy' && ids.length > 1 ? ids.slice(1) : ids;
}
