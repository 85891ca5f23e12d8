import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import type { Chunk } from '../../src/chunks/chunk.ts';
import { split } from '../../src/chunks/file/splitter.ts';
import { ChunksService } from '../../src/chunks/service.ts';
import { proximity } from '../../src/overlay/address.ts';
import { createOverlaySim, runUntilHealthy } from '../../src/sim/index.ts';
import { simServiceContext } from '../../src/sim/service-context.ts';

const NODES = Number(process.env.SIM_NODES ?? 50);

test(`simulation of ${NODES} nodes: a file uploaded at any node is retrievable from every node, and every chunk reaches its whole neighbourhood`, async () => {
  const { network, nodes } = await createOverlaySim({ nodes: NODES, seed: 7, latencyMs: 1, jitterMs: 0 });
  const overlay = runUntilHealthy(network, nodes, { maxVirtualMs: 600_000 });
  assert.ok(overlay.healthy, 'overlay healthy');
  const services: ChunksService[] = [];
  // the bus runs on the virtual clock: pump it while the (real-time) services work
  const pump = setInterval(() => network.clock.advance(5), 1);
  try {
    for (const node of nodes) {
      const svc = new ChunksService({ backoffMs: [20, 50, 100], pageWaitMs: 20 });
      const ctx = simServiceContext({
        network,
        node,
        name: svc.name,
        store: new MemoryLevel({ valueEncoding: 'view' }) as never,
      });
      await svc.start(ctx);
      services.push(svc);
    }
    const uploader = services[NODES >> 1]!;
    const file = randomBytes(150 * 1024);
    const chunks: Chunk[] = [];
    await split([file], async (b) => {
      chunks.push(...b);
    });
    const r = await uploader.put([file]);

    // every chunk ends up at every node whose neighbourhood it falls into (po(chunk, node) >= depth)
    const missing = async (): Promise<number> => {
      let n = 0;
      for (const [i, node] of nodes.entries()) {
        const depth = node.kad.depth;
        const mine = chunks.filter((c) => proximity(c.address, node.overlay) >= depth);
        const have = await services[i]!.store.hasMany(mine.map((c) => c.address));
        n += have.filter((h) => !h).length;
      }
      return n;
    };
    // 25 s of a 60 s deadline went here on a loaded 2-core machine (50 services, real timers, a
    // virtual clock pumped by a 1 ms interval that fires less often under load): wait generously
    const end = Date.now() + 240_000;
    let left = await missing();
    while (left > 0 && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 200));
      left = await missing();
    }
    assert.equal(left, 0, 'chunks missing from their neighbourhoods');

    // retrievable from every node (local store or retrieval across the overlay)
    for (const [i, svc] of services.entries()) {
      const parts: Uint8Array[] = [];
      for await (const p of svc.get(r.root)) parts.push(p);
      assert.ok(Buffer.concat(parts).equals(file), `node ${i} got the file`);
    }
  } finally {
    for (const s of services) await s.stop();
    clearInterval(pump);
    for (const n of nodes) await n.stop();
  }
});
