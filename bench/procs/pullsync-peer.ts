/**
 * One end of a two-process pull-sync benchmark (bench/chunks-net-pullsync-procs.ts), driven over the
 * fork IPC channel. `argv[2]` is the role:
 *   murmur-up / murmur-down   a murmur node (LevelDB + segment files) holding / pulling the chunks
 *   floor-down                a murmur node pulling from murmur-up with storage taken out
 *                             (bench/procs/protocol-floor.ts): a diagnostic, not an anchor
 *   raw-send / raw-recv       the node's libp2p host config (TCP + Noise + yamux), 64 KiB writes
 *   hc-up / hc-down           Hypercore 11: a writer core / a reader core downloading over TCP
 * Messages in: {cmd: 'setup', n} → {addr} (up ends) or {} ; {cmd: 'mark'} → {} (CPU mark);
 * {cmd: 'run', addr} → {ms, cpuMs} (down ends: the timed transfer); {cmd: 'cpu'} → {cpuMs};
 * {cmd: 'stop'} → exits.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { silentLogger } from '../../src/log/index.ts';
import { startHost } from '../../src/p2p/host.ts';
import { makeBenchChunks } from '../chunks-data.ts';
import { type BenchNode, startBenchNode, stopBenchNode, storedCount } from '../chunks-net-common.ts';
import { type HypercoreCtor, loopbackAddr, waitFor } from '../net-common.ts';
import { ProtocolFloor } from './protocol-floor.ts';

type Msg = { cmd: string; n?: number; addr?: string };
const role = process.argv[2] ?? '';
const RAW_PROTO = '/murmur-bench/raw/1.0.0';
const reply = (m: Record<string, unknown>): void => {
  process.send?.(m);
};
let mark = process.cpuUsage();
const cpuSince = (): number => {
  const c = process.cpuUsage(mark);
  return (c.user + c.system) / 1000;
};

let cleanup: () => Promise<void> = async () => {};

// PROF=<file prefix>: a CPU profile of this end over the timed window (down ends: 'run'; up ends:
// from 'mark' to 'cpu')
let session: Session | undefined;
async function profStart(): Promise<void> {
  if (!process.env.PROF) return;
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
async function profStop(): Promise<void> {
  if (!session) return;
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(`${process.env.PROF}-${role}.cpuprofile`, JSON.stringify(profile));
  session.disconnect();
  session = undefined;
}
let n = 0;

async function setup(): Promise<Record<string, unknown>> {
  switch (role) {
    case 'murmur-up': {
      const a = await startBenchNode('ps2-up');
      const chunks = makeBenchChunks(n);
      for (let i = 0; i < n; i += 1024) {
        await a.chunks.store.putMany(chunks.slice(i, i + 1024), { verify: false });
      }
      cleanup = () => stopBenchNode(a);
      return { addr: loopbackAddr(a.node) };
    }
    case 'murmur-down': {
      const b = await startBenchNode('ps2-down');
      down = b;
      cleanup = () => stopBenchNode(b);
      return {};
    }
    case 'floor-down': {
      floor = new ProtocolFloor();
      // the chunks service serves the upstream's pulls from an empty store, as murmur-down does
      const b = await startBenchNode('ps2-floor', { pull: false }, 'noise', [floor]);
      down = b;
      cleanup = () => stopBenchNode(b);
      return {};
    }
    case 'raw-recv': {
      const host = await startHost({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        logger: silentLogger,
        privateKey: await generateKeyPair('Ed25519'),
      });
      await host.handle(RAW_PROTO, async (stream) => {
        let received = 0;
        for await (const m of stream) {
          received += m.byteLength;
          if (received >= n * 4096) {
            reply({ received, cpuMs: cpuSince() });
            break;
          }
        }
      });
      cleanup = async () => {
        await host.stop();
      };
      const addr = host.getMultiaddrs().find((m) => m.toString().includes('127.0.0.1'));
      return { addr: addr?.toString() };
    }
    case 'raw-send': {
      const host = await startHost({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        logger: silentLogger,
        privateKey: await generateKeyPair('Ed25519'),
      });
      sender = host;
      cleanup = async () => {
        await host.stop();
      };
      return {};
    }
    case 'hc-up': {
      const Hypercore = ((await import('hypercore' as string)) as { default: HypercoreCtor }).default;
      const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-hc2-'));
      const writer = new Hypercore(join(dir, 'w'));
      await writer.ready();
      const blocks = makeBenchChunks(n).map((c) => c.data.subarray(8));
      for (let i = 0; i < blocks.length; i += 1000) await writer.append(blocks.slice(i, i + 1000));
      const server = createServer((socket) => {
        socket.pipe(writer.replicate(false)).pipe(socket);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      cleanup = async () => {
        server.close();
        await writer.close();
        rmSync(dir, { recursive: true, force: true });
      };
      const port = (server.address() as { port: number }).port;
      return { addr: `${port}:${Buffer.from(writer.key).toString('hex')}` };
    }
    case 'hc-down':
      return {};
    default:
      throw new Error(`unknown role ${role}`);
  }
}

let down: BenchNode | undefined;
let floor: ProtocolFloor | undefined;
let sender: Awaited<ReturnType<typeof startHost>> | undefined;

/** The timed transfer of a down end (or the raw sender), from `addr` of the other end. */
async function runTransfer(addr: string): Promise<Record<string, unknown>> {
  mark = process.cpuUsage();
  const t0 = performance.now();
  switch (role) {
    case 'murmur-down': {
      const b = down!;
      await b.node.connect(addr);
      await waitFor(() => storedCount(b.chunks) >= n, 600_000, 'pull-sync to finish');
      break;
    }
    case 'floor-down': {
      await down!.node.connect(addr);
      const got = await floor!.pullAll();
      if (got < n) throw new Error(`floor: ${got} of ${n} chunks delivered`);
      break;
    }
    case 'raw-send': {
      const stream = await sender!.dialProtocol(multiaddr(addr), RAW_PROTO);
      const block = new Uint8Array(randomBytes(64 * 1024));
      const bytes = n * 4096;
      for (let sent = 0; sent < bytes; sent += block.byteLength) {
        if (!stream.send(block.subarray(0, Math.min(block.byteLength, bytes - sent)))) await stream.onDrain();
      }
      // the receiver reports when everything arrived; the parent times up to that report
      return { ms: performance.now() - t0, cpuMs: cpuSince(), sent: true };
    }
    case 'hc-down': {
      const [port, keyHex] = addr.split(':');
      const Hypercore = ((await import('hypercore' as string)) as { default: HypercoreCtor }).default;
      const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-hc2r-'));
      const reader = new Hypercore(join(dir, 'r'), Buffer.from(keyHex!, 'hex'));
      await reader.ready();
      const socket = tcpConnect(Number(port), '127.0.0.1');
      socket.pipe(reader.replicate(true)).pipe(socket);
      await reader.download({ start: 0, end: n }).done();
      const ms = performance.now() - t0;
      const cpuMs = cpuSince();
      socket.destroy();
      cleanup = async () => {
        await reader.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return { ms, cpuMs };
    }
  }
  return { ms: performance.now() - t0, cpuMs: cpuSince() };
}

process.on('message', (m: Msg) => {
  void (async () => {
    try {
      switch (m.cmd) {
        case 'setup':
          n = m.n ?? 0;
          reply(await setup());
          break;
        case 'mark':
          mark = process.cpuUsage();
          await profStart();
          reply({});
          break;
        case 'run': {
          await profStart();
          const out = await runTransfer(m.addr ?? '');
          await profStop();
          reply(out);
          break;
        }
        case 'cpu': {
          const cpuMs = cpuSince();
          await profStop();
          reply({ cpuMs });
          break;
        }
        case 'stop':
          await cleanup();
          process.exit(0);
      }
    } catch (err) {
      reply({ error: String(err) });
    }
  })();
});
