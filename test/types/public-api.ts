/**
 * Type-level test of the public entry (checked by `npm run typecheck`, never run): `node.services`
 * is typed by the record given to createNode, and wrong uses are type errors.
 */
import {
  ChunksService,
  createNode,
  type Entry,
  type JournalEvent,
  type JournalId,
  JournalsService,
  type MurmurNode,
  type NodeService,
  type PinInfo,
  type StoredFile,
  type TailItem,
  type TreeApi,
  TreeService,
} from '../../src/index.ts';

export async function typedServices(root: string, file: Uint8Array, journal: JournalId): Promise<void> {
  const node = await createNode({
    services: { tree: new TreeService(), journals: new JournalsService(), chunks: new ChunksService() },
  });
  const tree: TreeService = node.services.tree;
  const entry: Entry = await tree.tree(root).put('a/b', new Uint8Array([1]));
  const got: { value: Uint8Array; entry: Entry } | undefined = await node.services.tree.tree(root).get('a/b');
  const pinned: PinInfo = await node.services.chunks.pin(file);
  const appended: JournalEvent = await node.services.journals.append(journal, { e: 'hello', p: 1 });
  void [entry, got, pinned, appended];
  // the kinds' library APIs, typed by the record of services
  const api: TreeApi = node.tree;
  const put: Entry = await node.tree.put('/a/b', 'text');
  const stored: StoredFile = await node.chunks.put(new Uint8Array([1]), {
    onProgress: (n: bigint) => void n,
  });
  const stream: ReadableStream<Uint8Array> = node.chunks.get(stored.root);
  for await (const item of node.journals.follow(journal, { signal: AbortSignal.timeout(10) })) {
    const t: TailItem = item;
    void t;
  }
  void [api, put, stream];
  // @ts-expect-error a file's root is a hex string or bytes
  node.chunks.get(42);
  // @ts-expect-error a tree value is bytes, not a string
  await node.services.tree.tree(root).put('a/b', 'text');
  // @ts-expect-error a JSON event needs its `e` name
  await node.services.journals.append(journal, { p: 1 });
  // @ts-expect-error no such service in the record
  void node.services.nope.name;
  // @ts-expect-error the chunks service has no tree()
  node.services.chunks.tree(root);
  // @ts-expect-error the deprecated alias no longer casts to any service type
  const cast: TreeService | undefined = node.service?.('tree');
  const checked: TreeService | undefined = node.service?.('tree', TreeService);
  void [cast, checked];
  await node.stop({ signal: AbortSignal.timeout(1000) });
}

export async function listedServices(): Promise<void> {
  const node: MurmurNode = await createNode({ services: [new TreeService()] });
  const any: NodeService | undefined = node.services.tree;
  // @ts-expect-error with the array form the services are only NodeService
  const tree: TreeService | undefined = node.services.tree;
  void [any, tree];
  await node.tree?.put('/k', 'v');
  // @ts-expect-error with the array form node.tree may be undefined
  await node.tree.put('/k', 'v');
  const typed = await createNode({ services: { tree: new TreeService() } });
  const general: MurmurNode = typed; // a typed node is a MurmurNode
  void general;
}
