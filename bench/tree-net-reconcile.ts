/**
 * Tree reconciliation between two real nodes over loopback libp2p connections (noise + yamux): the
 * sync protocol of the tree service (reconciliation, then bundle transfer both ways) on trees of n
 * signed entries where the responder lacks d of them. Reports bytes both ways (sync frames), round
 * trips and wall time of the whole session, records transferred.
 *
 *   npx node bench/tree-net-reconcile.ts     # n = 100,000 (TREE_BENCH_N), d = 0, 1, 100, 10^4
 */
import { pathToFileURL } from 'node:url';
import { MemoryLevel } from 'memory-level';
import type { MurmurNode } from '../src/node/types.ts';
import type { NodeService, ServiceContext } from '../src/service/context.ts';
import { HlcClock } from '../src/tree/hlc.ts';
import { generateSigner, toHex } from '../src/tree/keys.ts';
import { initiateSync, respondSync } from '../src/tree/net/sync.ts';
import { decodeSync, MAX_SYNC_FRAME_BYTES } from '../src/tree/net/wire.ts';
import { makeEntry } from '../src/tree/records.ts';
import { TreeStore } from '../src/tree/store.ts';
import { Tree } from '../src/tree/tree.ts';
import { activeCount, addrOf, startNode, until } from '../test/helpers/cluster.ts';

const PROTOCOL = '/murmur/bench/tree-sync/1.0.0';

class Raw implements NodeService {
  readonly name = 'benchraw';
  ctx: ServiceContext | undefined;
  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
  }
  async stop(): Promise<void> {}
}

async function openTree(root: ReturnType<typeof generateSigner>): Promise<Tree> {
  const store = new TreeStore(new MemoryLevel());
  await store.open();
  return Tree.open(store, toHex(root.publicKey), { signer: root });
}

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.TREE_BENCH_N ?? 100_000);
  const ds = [0, 1, 100, 10_000].filter((d) => d <= n);
  const root = generateSigner();
  const clock = new HlcClock();
  const value = new Uint8Array(64).fill(1);
  const entries = Array.from({ length: n }, (_, i) =>
    makeEntry(root, { tree: root.publicKey, key: `/k/${i}`, value, timestamp: clock.tick(), grants: [] }),
  );
  const ra = new Raw();
  const rb = new Raw();
  // default peer-book timers: building big trees blocks the event loop longer than the test timers allow
  const nodes: MurmurNode[] = [
    await startNode({ services: [ra], peerBook: {} }),
    await startNode({ services: [rb], peerBook: {} }),
  ];
  const out: Record<string, unknown> = { n };
  try {
    await nodes[1]!.connect(addrOf(nodes[0]!));
    const a = await openTree(root);
    await a.store.ingest(a.rootHex, { entries }, { verify: false });
    let b: Tree | undefined;
    await rb.ctx!.handle(
      PROTOCOL,
      async (ch) => {
        const first = await ch[Symbol.asyncIterator]().next();
        if (first.done !== true) await respondSync(ch, decodeSync(first.value), () => b);
        ch.close();
      },
      { maxMessageBytes: MAX_SYNC_FRAME_BYTES },
    );
    for (const d of ds) {
      b = await openTree(root);
      await b.store.ingest(b.rootHex, { entries: entries.slice(d) }, { verify: false });
      b.state.idSet();
      a.state.idSet();
      await until(() => activeCount(nodes[0]!) === 1, { timeoutMs: 30_000, what: 'connection' });
      const t0 = performance.now();
      const ch = await ra.ctx!.dial(nodes[1]!.peerId, PROTOCOL, { maxMessageBytes: MAX_SYNC_FRAME_BYTES });
      const res = await initiateSync(ch, a);
      ch.close();
      const ms = performance.now() - t0;
      if (toHex(a.rootHash()) !== toHex(b.rootHash())) throw new Error(`d=${d}: hashes differ after sync`);
      out[`d=${d} bytes`] = res.bytesSent + res.bytesReceived;
      out[`d=${d} round trips`] = res.roundTrips;
      out[`d=${d} records sent`] = res.recordsSent;
      out[`d=${d} ms`] = Math.round(ms);
      b.close();
    }
    a.close();
  } finally {
    await Promise.all(nodes.map((x) => x.stop()));
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await run())) console.log(`${k}\t${v}`);
}
