/**
 * Pull-sync throughput of 4 KiB chunks between two murmur nodes IN TWO PROCESSES over TCP loopback,
 * as two real nodes run, side by side in one run with the same anchors, also split in two processes:
 *   - Hypercore 11 replicating the same bytes as 4 KiB blocks (writer process → reader process), and
 *   - a raw libp2p stream with the node's config (TCP + Noise + yamux), 64 KiB writes (the ceiling).
 * Each end is a child process (bench/procs/pullsync-peer.ts); the parent only times. The upstream
 * stores its chunks untimed; the timed window runs from "connect" to the downstream holding them all
 * (raw: to the receiver having read every byte). CPU = both processes over that window.
 * A fourth row is a diagnostic, not an anchor: the same pull-sync protocol from the same upstream with
 * the downstream storing nothing (no existence check, no append, no index; deliveries are still
 * verified), bench/procs/protocol-floor.ts.
 * `CHUNKS=n` (default 32768 = 128 MiB), `RUNS=r` (median, default 1),
 * `ONLY=murmur|hypercore|raw|floor`.
 * bench/chunks-net-pullsync.ts measures the same with both ends in one process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mbps, medianTiming, pullSyncReport } from './chunks-net-common.ts';
import { printTable, type Timing } from './net-common.ts';

const PEER = fileURLToPath(new URL('./procs/pullsync-peer.ts', import.meta.url));

interface Peer {
  child: ChildProcess;
  /** Sends a command and resolves with the next reply. */
  ask(m: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves with the next message the child sends on its own. */
  next(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

function spawnPeer(role: string): Peer {
  const child = fork(PEER, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  child.on('message', (m: Record<string, unknown>) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const q = queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      waiting.push((m) => (m.error ? reject(new Error(`${role}: ${String(m.error)}`)) : resolve(m)));
      child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    });
  };
  return {
    child,
    next,
    ask(m) {
      child.send(m);
      return next();
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'stop' });
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** One transfer: `up` and `down` roles; for raw the receiver (up) reports the end. */
async function transfer(upRole: string, downRole: string, n: number): Promise<Timing> {
  const up = spawnPeer(upRole);
  const down = spawnPeer(downRole);
  try {
    const { addr } = await up.ask({ cmd: 'setup', n });
    await down.ask({ cmd: 'setup', n });
    await up.ask({ cmd: 'mark' });
    const t0 = performance.now();
    if (upRole === 'raw-recv') {
      const received = up.next();
      const sent = await down.ask({ cmd: 'run', addr });
      const r = await received;
      const ms = performance.now() - t0;
      return { ms, cpuMs: Number(sent.cpuMs) + Number(r.cpuMs) };
    }
    const r = await down.ask({ cmd: 'run', addr });
    const ms = performance.now() - t0;
    const u = await up.ask({ cmd: 'cpu' });
    if (process.env.PROF)
      process.stderr.write(`cpu ms: up ${Number(u.cpuMs).toFixed(0)}, down ${Number(r.cpuMs).toFixed(0)}\n`);
    return { ms, cpuMs: Number(r.cpuMs) + Number(u.cpuMs) };
  } finally {
    await Promise.all([down.stop(), up.stop()]);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.CHUNKS ?? 32_768);
  const runs = Number(process.env.RUNS ?? 1);
  const only = process.env.ONLY;
  const kinds = [
    ['raw', 'raw-recv', 'raw-send'],
    ['murmur', 'murmur-up', 'murmur-down'],
    ['hypercore', 'hc-up', 'hc-down'],
    ['floor', 'murmur-up', 'floor-down'],
  ] as const;
  const times: Record<string, Timing[]> = { raw: [], murmur: [], hypercore: [], floor: [] };
  for (let r = 0; r < runs; r++) {
    for (const [kind, upRole, downRole] of kinds) {
      if (only && only !== kind) continue;
      times[kind]!.push(await transfer(upRole, downRole, n));
    }
  }
  const report = pullSyncReport(
    n,
    runs,
    {
      murmur: medianTiming(times.murmur!),
      hypercore: medianTiming(times.hypercore!),
      raw: medianTiming(times.raw!),
    },
    {
      murmur: 'murmur pull-sync (2 processes, LevelDB)',
      hypercore: 'hypercore 11.37.1 replication (2 processes, TCP)',
      raw: 'raw libp2p stream (2 processes, Noise+yamux, 64 KiB)',
    },
  );
  // diagnostic: the same protocol with the downstream storing nothing (bench/procs/protocol-floor.ts)
  const floor = medianTiming(times.floor!);
  const bytes = n * 4096;
  (report.rows as Record<string, unknown>[]).push({
    what: 'diagnostic: pull-sync, downstream stores nothing',
    seconds: +(floor.ms / 1000).toFixed(2),
    mb_per_s: mbps(bytes, floor.ms),
    chunks_per_s: Math.round(n / (floor.ms / 1000)),
    cpu_s: +(floor.cpuMs / 1000).toFixed(2),
    mb_per_cpu_s: mbps(bytes, floor.cpuMs),
  });
  report.floor_mb_per_s = mbps(bytes, floor.ms);
  report.floor_vs_raw = +(medianTiming(times.raw!).ms / floor.ms).toFixed(2);
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  printTable(r.rows as Record<string, unknown>[]);
  console.log(
    `\n${r.chunks} chunks (${r.mib} MiB), two processes: pull-sync / hypercore = ${r.pullsync_vs_hypercore}×, pull-sync / raw libp2p = ${r.pullsync_vs_raw}× (per CPU second: ${r.cpu_pullsync_vs_hypercore}× / ${r.cpu_pullsync_vs_raw}×); storing nothing / raw libp2p = ${r.floor_vs_raw}×`,
  );
}
