import { ChunksApi } from '../chunks/api.ts';
import { ChunksService } from '../chunks/service.ts';
import { JournalsApi } from '../journals/api.ts';
import { JournalsService } from '../journals/service.ts';
import type { NodeService } from '../service/context.ts';
import { TreeApi } from '../tree/api.ts';
import { TreeService } from '../tree/service.ts';

/** Services by name (as ServiceMap in types.ts, which imports this file). */
type ServiceMap = Record<string, NodeService>;

/**
 * The library API of a data kind on a node typed by its services: the API when the record of
 * services holds that kind's service, else `Api | undefined` (undefined at run time when the node
 * does not run that service; with the array form of services this is only known at run time).
 */
export type KindApi<S extends ServiceMap, K extends string, Service, Api> =
  S extends Record<K, Service> ? Api : Api | undefined;

/** `node.tree`, `node.journals`, `node.chunks`: the typed library APIs over the node's kind services. */
export interface KindApis<out S extends ServiceMap = ServiceMap> {
  /** The signed key/value tree (TreeApi), when the node runs a TreeService named `tree`. */
  readonly tree: KindApi<S, 'tree', TreeService, TreeApi>;
  /** Journals (JournalsApi), when the node runs a JournalsService named `journals`. */
  readonly journals: KindApi<S, 'journals', JournalsService, JournalsApi>;
  /** Content-addressed files (ChunksApi), when the node runs a ChunksService named `chunks`. */
  readonly chunks: KindApi<S, 'chunks', ChunksService, ChunksApi>;
}

/** The APIs over whichever of the tree, journals and chunks services `services` holds. */
export function kindApis<S extends ServiceMap>(services: S): KindApis<S> {
  const { tree, journals, chunks } = services as ServiceMap;
  return {
    tree: tree instanceof TreeService ? new TreeApi(tree) : undefined,
    journals: journals instanceof JournalsService ? new JournalsApi(journals) : undefined,
    chunks: chunks instanceof ChunksService ? new ChunksApi(chunks) : undefined,
  } as KindApis<S>;
}
