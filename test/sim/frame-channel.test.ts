import { MemoryLevel } from 'memory-level';
import { createOverlaySim, runUntilHealthy } from '../../src/sim/index.ts';
import { simServiceContext } from '../../src/sim/service-context.ts';
import type { FrameChannel } from '../../src/streamer/channel.ts';
import { frameChannelSuite } from '../suites/frame-channel.ts';

const PROTOCOL = '/murmur/suite/1.0.0';

// the simulator's bus channel: a dialled stream between two service contexts on a SimNetwork
frameChannelSuite('simulator bus channel', async (options) => {
  const { network, nodes } = await createOverlaySim({ nodes: 2, seed: 3, latencyMs: 1, jitterMs: 0 });
  const health = runUntilHealthy(network, nodes, { maxVirtualMs: 60_000 });
  if (!health.healthy) throw new Error('two-node overlay not connected');
  const ctx = nodes.map((node) =>
    simServiceContext({
      network,
      node,
      name: 'suite',
      store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    }),
  );
  // the bus runs on the virtual clock: pump it while the channels work
  const pump = setInterval(() => network.clock.advance(5), 1);
  const served = new Promise<FrameChannel>((resolve) => {
    void ctx[1]!.handle(PROTOCOL, (ch) => resolve(ch), {
      ...(options.b?.maxBytes !== undefined ? { maxMessageBytes: options.b.maxBytes } : {}),
      ...(options.b?.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.b.idleTimeoutMs } : {}),
    });
  });
  const a = await ctx[0]!.dial(nodes[1]!.id, PROTOCOL, {
    ...(options.a?.maxBytes !== undefined ? { maxMessageBytes: options.a.maxBytes } : {}),
    ...(options.a?.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.a.idleTimeoutMs } : {}),
  });
  const b = await served;
  return {
    a,
    b,
    violations: () => ctx.flatMap((c) => c.strikes.map((s) => s.slice(s.lastIndexOf(':') + 1))),
    dispose: async () => {
      clearInterval(pump);
      for (const n of nodes) await n.stop();
    },
  };
});
