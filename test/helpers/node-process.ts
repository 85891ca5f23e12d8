/**
 * Runs one murmur node in its own process for tests (kill -9, namespaces). Configuration from env:
 *   MURMUR_DATA (data folder, required), MURMUR_LISTEN (comma-separated multiaddrs, default
 *   /ip4/127.0.0.1/tcp/0), MURMUR_BOOTSTRAP (comma-separated), MURMUR_IFACE, MURMUR_NETWORK,
 *   MURMUR_FAST=1 (short peer book timers).
 * Prints JSON lines on stdout: {"ready":true,"peerId","addresses"} then {"peer","state"} per change.
 * Stops cleanly on SIGTERM/SIGINT.
 */
import { createNode } from '../../src/node/index.ts';
import type { NodeOptions } from '../../src/node/types.ts';

const env = process.env;
const list = (v: string | undefined): string[] => (v ?? '').split(',').filter((s) => s !== '');
const options: NodeOptions = {
  dataDir: env.MURMUR_DATA ?? '.murmur-test',
  listen: list(env.MURMUR_LISTEN ?? '/ip4/127.0.0.1/tcp/0'),
  bootstrap: list(env.MURMUR_BOOTSTRAP),
};
if (env.MURMUR_IFACE) options.iface = env.MURMUR_IFACE;
if (env.MURMUR_NETWORK) options.networkId = env.MURMUR_NETWORK;
if (env.MURMUR_FAST === '1') {
  options.peerBook = {
    backoffMs: [200, 400, 800, 1000, 1000, 1000, 1000, 1000],
    idleMs: 500,
    heartbeatCheckMs: 100,
    pongTimeoutMs: 500,
  };
  options.timers = { dialCheckMs: 200, announceMs: 300, handshakeTimeoutMs: 2000, dialTimeoutMs: 3000 };
}
const node = await createNode(options);
node.on('peer:state', (p) => console.log(JSON.stringify({ peer: p.peerId, state: p.state })));
await node.start();
console.log(JSON.stringify({ ready: true, peerId: node.peerId, addresses: node.status().addresses }));
const shutdown = (): void => {
  node.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
