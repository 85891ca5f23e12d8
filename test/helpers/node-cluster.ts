import { MemoryLevel } from 'memory-level';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode, NodeOptions, PeerState } from '../../src/node/types.ts';

/** Short timers for loopback tests. */
export const FAST: Partial<NodeOptions> = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  peerBook: {
    backoffMs: [200, 400, 800, 1600],
    idleMs: 500,
    heartbeatCheckMs: 100,
    pongTimeoutMs: 500,
    purgatoryMs: 60_000,
    strikeThreshold: 3,
  },
  timers: { dialCheckMs: 200, handshakeTimeoutMs: 2000, dialTimeoutMs: 3000, announceMs: 300 },
};

/** A started node on 127.0.0.1 with a memory-level store. */
export async function startNode(options: Partial<NodeOptions> = {}): Promise<MurmurNode> {
  const node = await createNode({
    store: new MemoryLevel({ valueEncoding: 'view' }) as never,
    ...FAST,
    ...options,
  });
  await node.start();
  return node;
}

/** Polls until fn() is true (checked every 25 ms), failing after timeoutMs with the message. */
export async function until(
  fn: () => boolean,
  timeoutMs = 60_000,
  message = 'condition',
  refresh?: () => Promise<void>,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  await refresh?.();
  while (!fn()) {
    await refresh?.();
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function stateOf(node: MurmurNode, peerId: string): PeerState | undefined {
  return node.peers().find((p) => p.peerId === peerId)?.state;
}

export function activeCount(node: MurmurNode): number {
  return node.peers().filter((p) => p.state === 'active').length;
}

export function addrOf(node: MurmurNode): string {
  const a = node.status().addresses.find((x) => x.includes('/ip4/127.0.0.1/'));
  if (a === undefined) throw new Error('node has no loopback address');
  return a;
}
