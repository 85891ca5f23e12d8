/**
 * Handshake rate vs libp2p's own ping between the same two hosts on loopback: sequential exchanges on
 * one open connection (a new stream each), and full connection + handshake setups per second.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection } from '@libp2p/interface';
import {
  HANDSHAKE_PROTOCOL,
  type HandshakeLocal,
  initiateHandshake,
  respondHandshake,
} from '../src/handshake/index.ts';
import { overlayAddressOf } from '../src/identity/index.ts';
import { silentLogger } from '../src/log/index.ts';
import { type Host, startHost } from '../src/p2p/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 500);
const SETUPS = Number(process.env.BENCH_SETUPS ?? 50);

async function host(): Promise<Host> {
  return startHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    logger: silentLogger,
  });
}

const local = (h: Host): HandshakeLocal => ({
  networkId: 'bench',
  overlay: overlayAddressOf(h.peerId.toMultihash().bytes, 'bench'),
  protocols: [HANDSHAKE_PROTOCOL],
  addrs: () => h.getMultiaddrs().map(String),
});

async function rate(n: number, op: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op();
  return Math.round((n / (performance.now() - t0)) * 1000);
}

export async function run(): Promise<Record<string, unknown>> {
  const a = await host();
  const b = await host();
  try {
    await b.handle(HANDSHAKE_PROTOCOL, async (stream, conn) => {
      await respondHandshake(stream, local(b), conn.remotePeer).catch(() => {});
    });
    const addr = b.getMultiaddrs()[0]!;
    const conn: Connection = await a.dial(addr);
    const handshake = async (c: Connection): Promise<void> => {
      await initiateHandshake(await c.newStream(HANDSHAKE_PROTOCOL), local(a), c.remotePeer);
    };
    await handshake(conn);
    await a.services.ping.ping(b.peerId);
    const handshakesPerSec = await rate(ROUNDS, () => handshake(conn));
    const pingsPerSec = await rate(ROUNDS, () => a.services.ping.ping(b.peerId));
    await conn.close();
    const setupsPerSec = await rate(SETUPS, async () => {
      const c = await a.dial(addr, { force: true });
      await handshake(c);
      await c.close();
    });
    return {
      rounds: ROUNDS,
      handshakesPerSec,
      pingsPerSec,
      handshakeVsPing: Number((handshakesPerSec / pingsPerSec).toFixed(2)),
      connectionSetupsWithHandshakePerSec: setupsPerSec,
    };
  } finally {
    await a.stop();
    await b.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
