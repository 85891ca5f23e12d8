import { countersKind } from '../../examples/counter/kind.ts';
import { chunksKind } from '../chunks/kind.ts';
import { journalsKind } from '../journals/kind.ts';
import type { DataKind } from '../service/kind.ts';
import { treeKind } from '../tree/kind.ts';

/**
 * The data kinds a daemon runs, in start order (each one's service starts after the previous). The
 * daemon, `murmur start`'s settings, the CLI's commands, the API's /v1/kinds, the dashboard and
 * `murmur demo` iterate this list: adding a kind is one entry here (see docs/SERVICES.md).
 */
export const KINDS: readonly DataKind[] = [
  chunksKind,
  treeKind,
  journalsKind,
  countersKind,
] as readonly DataKind[];

/** The registered kind of this name, if any. */
export function kindNamed(name: string): DataKind | undefined {
  return KINDS.find((k) => k.name === name);
}
