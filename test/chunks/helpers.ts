import { randomBytes } from 'node:crypto';
import { MemoryLevel } from 'memory-level';
import { type Chunk, makeChunk } from '../../src/chunks/chunk.ts';
import { IntervalStore } from '../../src/chunks/intervals/interval-store.ts';
import { PullSyncClient } from '../../src/chunks/pullsync/client.ts';
import type { InFlight } from '../../src/chunks/pullsync/inflight.ts';
import { PullSyncServer } from '../../src/chunks/pullsync/server.ts';
import { ChunkStore } from '../../src/chunks/store.ts';
import { type Faults, memoryPair } from '../../src/streamer/channel.ts';

export interface TestNode {
  name: string;
  db: MemoryLevel;
  store: ChunkStore;
  server: PullSyncServer;
  client: PullSyncClient;
  intervals: IntervalStore;
  penalties: string[];
}

/** Faults for the next dials: `up` applies to upstream→downstream frames, `down` to the reverse. */
export interface DialFaults {
  up?: Faults;
  down?: Faults;
}

export class TestNet {
  readonly nodes = new Map<string, TestNode>();
  faults: DialFaults = {};
  dials = 0;

  async add(
    name: string,
    opts: {
      overlay?: Uint8Array;
      db?: MemoryLevel;
      pageLimit?: number;
      pageWaitMs?: number;
      inflight?: InFlight;
      recordStep?: number;
    } = {},
  ): Promise<TestNode> {
    const db = opts.db ?? new MemoryLevel();
    const store = new ChunkStore(db, { overlay: opts.overlay ?? new Uint8Array(32) });
    await store.open();
    const penalties: string[] = [];
    const node: TestNode = {
      name,
      db,
      store,
      server: new PullSyncServer({
        store,
        pageLimit: opts.pageLimit ?? 16,
        pageWaitMs: opts.pageWaitMs ?? 20,
      }),
      client: new PullSyncClient({
        store,
        deliveryTimeoutMs: 2000,
        ...(opts.inflight ? { inflight: opts.inflight } : {}),
        ...(opts.recordStep ? { recordStep: opts.recordStep } : {}),
        onInvalidChunk: (peer) => penalties.push(peer),
        dial: async (peer) => {
          const target = this.nodes.get(peer);
          if (!target) throw new Error(`no such peer ${peer}`);
          this.dials++;
          const f = this.faults;
          const [mine, theirs] = memoryPair({
            ...(f.down ? { ab: f.down } : {}),
            ...(f.up ? { ba: f.up } : {}),
          });
          void target.server.handle(name, theirs);
          return mine;
        },
      }),
      intervals: new IntervalStore(db),
      penalties,
    };
    this.nodes.set(name, node);
    return node;
  }

  async close(): Promise<void> {
    for (const n of this.nodes.values()) {
      await n.server.close();
      await n.db.close();
    }
  }
}

export function randomChunk(size = 4096): Chunk {
  return makeChunk(new Uint8Array(randomBytes(size)));
}

/** n random chunks that all fall into `bin` of an all-zero overlay. */
export function chunksInBin(n: number, bin: number, size = 64): Chunk[] {
  const out: Chunk[] = [];
  while (out.length < n) {
    const c = randomChunk(size);
    let po = 0;
    for (const b of c.address) {
      if (b === 0) {
        po += 8;
        continue;
      }
      po += Math.clz32(b) - 24;
      break;
    }
    if (Math.min(po, 31) === bin) out.push(c);
  }
  return out;
}
