/**
 * Node RSS and memory per connected peer: one murmur node in a child process (test/helpers/
 * node-process.ts); N lightweight libp2p hosts in this process dial it and complete the murmur
 * handshake; the child's VmRSS is read from /proc before and after.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { HANDSHAKE_PROTOCOL, initiateHandshake } from '../src/handshake/index.ts';
import { overlayAddressOf } from '../src/identity/index.ts';
import { silentLogger } from '../src/log/index.ts';
import { type Host, startHost } from '../src/p2p/index.ts';
import { killNode, spawnNode } from '../test/helpers/node-spawn.ts';

const PEERS = Number(process.env.BENCH_PEERS ?? 100);

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-mem-'));
  const child = await spawnNode({ MURMUR_DATA: dir });
  const hosts: Host[] = [];
  try {
    const pid = child.proc.pid!;
    const target = multiaddr(child.addresses.find((a) => a.includes('127.0.0.1'))!);
    await settle(1000);
    const before = rssKiB(pid);
    for (let i = 0; i < PEERS; i++) {
      const h = await startHost({
        privateKey: await generateKeyPair('Ed25519'),
        listen: [],
        logger: silentLogger,
      });
      hosts.push(h);
      const conn = await h.dial(target);
      await initiateHandshake(
        await conn.newStream(HANDSHAKE_PROTOCOL),
        {
          networkId: 'murmur',
          overlay: overlayAddressOf(h.peerId.toMultihash().bytes, 'murmur'),
          protocols: [HANDSHAKE_PROTOCOL],
          addrs: () => [],
        },
        conn.remotePeer,
      );
    }
    await settle(2000);
    const active = [...child.states.values()].filter((s) => s === 'active').length;
    const after = rssKiB(pid);
    return {
      peers: PEERS,
      activeInNode: active,
      rssBeforeMiB: Number((before / 1024).toFixed(1)),
      rssWithPeersMiB: Number((after / 1024).toFixed(1)),
      perPeerKiB: Math.round((after - before) / PEERS),
    };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await killNode(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
