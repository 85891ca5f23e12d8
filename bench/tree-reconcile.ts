/**
 * Tree reconciliation next to negentropy (@nostr-dev-kit/sync, protocol V1) on the same ids:
 * n ids on each side of which d differ (half only on one side, half only on the other), bytes
 * both ways and round trips until the initiator knows what it has and needs. Negentropy runs with
 * its default frame limit (50,000) and with no limit (0).
 *
 *   npx node bench/tree-reconcile.ts          # n = 100,000; TREE_BENCH_N=100000,1000000 for both
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Negentropy, NegentropyStorage } from '@nostr-dev-kit/sync';
import { IdSet } from '../src/tree/idset.ts';
import { reconcileInMemory } from '../src/tree/reconcile.ts';

interface Cell {
  n: number;
  d: number;
  system: string;
  bytesUp: number;
  bytesDown: number;
  roundTrips: number;
  ms: number;
}

async function negentropy(
  a: { ts: number; id: Uint8Array }[],
  b: { ts: number; id: Uint8Array }[],
  limit: number,
): Promise<Omit<Cell, 'n' | 'd' | 'system'>> {
  const sa = new NegentropyStorage();
  for (const x of a) sa.insert(x.ts, x.id);
  sa.seal();
  const sb = new NegentropyStorage();
  for (const x of b) sb.insert(x.ts, x.id);
  sb.seal();
  const t0 = performance.now();
  const client = new Negentropy(sa, limit);
  const server = new Negentropy(sb, limit);
  let msg: Uint8Array | undefined = await client.initiate();
  let bytesUp = 0;
  let bytesDown = 0;
  let roundTrips = 0;
  while (msg !== undefined) {
    bytesUp += msg.length;
    const reply = await server.reconcile(msg);
    if (reply.nextMessage === undefined) break;
    roundTrips++;
    bytesDown += reply.nextMessage.length;
    msg = (await client.reconcile(reply.nextMessage)).nextMessage;
  }
  return { bytesUp, bytesDown, roundTrips, ms: performance.now() - t0 };
}

function murmur(a: Uint8Array[], b: Uint8Array[]): Omit<Cell, 'n' | 'd' | 'system'> {
  const A = IdSet.from(a);
  const B = IdSet.from(b);
  const t0 = performance.now();
  const r = reconcileInMemory(A, B);
  // round trips as negentropy counts them: responder replies that the initiator must wait for.
  // The last message of a murmur session (the initiator's reply to an id list) needs no answer.
  return { bytesUp: r.bytesUp, bytesDown: r.bytesDown, roundTrips: r.roundTrips, ms: performance.now() - t0 };
}

export async function run(): Promise<Record<string, unknown>> {
  const ns = (process.env.TREE_BENCH_N ?? '100000').split(',').map(Number);
  const cells: Cell[] = [];
  for (const n of ns) {
    for (const d of [0, 1, 100, 10_000]) {
      const common = Array.from({ length: n - Math.ceil(d / 2) }, () => ({
        ts: 1_600_000_000 + Math.floor(Math.random() * 1e7),
        id: new Uint8Array(randomBytes(32)),
      }));
      const extra = (k: number) =>
        Array.from({ length: k }, () => ({
          ts: 1_600_000_000 + Math.floor(Math.random() * 1e7),
          id: new Uint8Array(randomBytes(32)),
        }));
      const a = [...common, ...extra(Math.ceil(d / 2))];
      const b = [...common, ...extra(Math.floor(d / 2))];
      cells.push({
        n,
        d,
        system: 'murmur',
        ...murmur(
          a.map((x) => x.id),
          b.map((x) => x.id),
        ),
      });
      cells.push({ n, d, system: 'negentropy (frame 50k)', ...(await negentropy(a, b, 50_000)) });
      if (d >= 100) cells.push({ n, d, system: 'negentropy (no limit)', ...(await negentropy(a, b, 0)) });
    }
  }
  return { cells };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { cells } = (await run()) as { cells: Cell[] };
  console.log('n\td\tsystem\tbytes up\tbytes down\ttotal\tround trips\tms');
  for (const c of cells) {
    console.log(
      `${c.n}\t${c.d}\t${c.system}\t${c.bytesUp}\t${c.bytesDown}\t${c.bytesUp + c.bytesDown}\t${c.roundTrips}\t${c.ms.toFixed(0)}`,
    );
  }
}
