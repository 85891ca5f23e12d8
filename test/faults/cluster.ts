/**
 * The nodes of a fault run: one real `murmur start` per host of a LAN of network namespaces
 * (test/helpers/netns.ts), each with its own data folder, its API reached through a Unix socket
 * (./api.ts), started, signalled and restarted by the harness. Peak RSS is read from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { MURMUR } from '../cli/helpers.ts';
import type { Host } from '../helpers/netns.ts';
import { run, runOk } from '../helpers/netns-exec.ts';
import { NodeApi } from './api.ts';

export const P2P_PORT = 9021;
export const API_PORT = 9022;
const START_TIMEOUT_MS = 90_000;
const BALLAST = 'ballast.bin';
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

export type NodeState = 'up' | 'down' | 'stalled';

export interface StartOptions {
  /** Run under libfaketime with this offset (`+10m`, `-10m`). */
  clockOffset?: string;
}

export class FaultNode {
  readonly index: number;
  readonly host: Host;
  readonly dir: string;
  readonly api: NodeApi;
  state: NodeState = 'down';
  proc: ChildProcess | undefined;
  peerId = '';
  /** Peak RSS (VmHWM) of each incarnation, in KiB. */
  peakRssKiB = 0;
  incarnations = 0;
  tmpfs = false;
  clockOffset: string | undefined;
  #log: WriteStream;
  #exited: Promise<void> = Promise.resolve();

  constructor(index: number, host: Host, root: string) {
    this.index = index;
    this.host = host;
    this.dir = join(root, `n${index}`);
    this.api = new NodeApi(join(root, `n${index}.sock`), '');
    this.#log = createWriteStream(join(root, `n${index}.log`), { flags: 'a' });
  }

  get name(): string {
    return `n${this.index}`;
  }

  get ipv4(): string {
    return this.host.ipv4!;
  }

  get addr(): string {
    return `/ip4/${this.ipv4}/tcp/${P2P_PORT}/p2p/${this.peerId}`;
  }

  note(line: string): void {
    this.#log.write(`# ${new Date().toISOString()} ${line}\n`);
  }

  /** Starts `murmur start` in the host and waits until its api.json names the process. */
  async start(bootstrap: string[], o: StartOptions = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const args = [
      'start',
      '--data',
      this.dir,
      '--listen',
      `/ip4/${this.ipv4}/tcp/${P2P_PORT}`,
      '--iface',
      this.host.iface,
      '--api',
      `127.0.0.1:${API_PORT}`,
      '--log-level',
      'warn',
      '--no-pretty',
      ...bootstrap.flatMap((b) => ['--bootstrap', b]),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MURMUR_DATA;
    if (o.clockOffset !== undefined) {
      env.LD_PRELOAD = LIBFAKETIME;
      env.FAKETIME = o.clockOffset;
      env.FAKETIME_DONT_RESET = '1';
    }
    this.clockOffset = o.clockOffset;
    this.note(`start${o.clockOffset ? ` (clock ${o.clockOffset})` : ''}`);
    const proc = this.host.spawn(MURMUR, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.proc = proc;
    this.incarnations++;
    proc.stdout?.pipe(this.#log, { end: false });
    proc.stderr?.pipe(this.#log, { end: false });
    this.#exited = new Promise((resolve) => {
      proc.once('close', (code, signal) => {
        this.note(`exited code ${code} signal ${signal}`);
        if (this.proc === proc) this.state = 'down';
        resolve();
      });
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const info = await readFile(join(this.dir, 'api.json'), 'utf8').catch(() => undefined);
      if (info !== undefined && JSON.parse(info).pid === proc.pid) break;
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(
          `${this.name}: murmur start exited (${proc.exitCode ?? proc.signalCode}); see its log`,
        );
      await sleep(100);
    }
    if (Date.now() >= deadline) throw new Error(`${this.name}: murmur start did not come up`);
    this.api.token = (await readFile(join(this.dir, 'api-token'), 'utf8')).trim();
    const health = await this.api.call<{ peerId: string }>('GET', '/health', { timeoutMs: 30_000 });
    this.peerId = health.body.peerId;
    this.state = 'up';
  }

  /** Sends a signal to the node's process (the process itself: `ip netns exec` execs murmur). */
  signal(sig: NodeJS.Signals): void {
    if (this.proc?.pid === undefined) return;
    this.sampleRss();
    this.note(`signal ${sig}`);
    try {
      process.kill(this.proc.pid, sig);
    } catch {
      // already gone
    }
  }

  async kill(sig: 'SIGKILL' | 'SIGTERM', timeoutMs = 30_000): Promise<boolean> {
    const exited = this.#exited;
    this.signal(sig);
    if (sig === 'SIGKILL') this.state = 'down';
    const ok = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!ok) {
      this.signal('SIGKILL');
      await exited;
    }
    this.state = 'down';
    return ok;
  }

  /** Mounts a tmpfs of `mib` MiB on the data folder (the disk fault fills it). */
  async mountTmpfs(mib: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await runOk('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=${mib}m,mode=0700`,
      `murmur-faults-${this.name}`,
      this.dir,
    ]);
    this.tmpfs = true;
  }

  /** Takes all the free space of the data folder's tmpfs with a ballast file. */
  async fillDisk(): Promise<void> {
    const s = await statfs(this.dir);
    this.note(`disk filled (${Math.round((s.bavail * s.bsize) / 2 ** 20)} MiB ballast)`);
    await runOk('fallocate', ['-l', String(s.bavail * s.bsize), join(this.dir, BALLAST)]).catch(async () => {
      // fallocate may refuse the last blocks: write zeros until the disk is full
      await run('dd', [
        'if=/dev/zero',
        `of=${join(this.dir, BALLAST)}`,
        'bs=1M',
        'oflag=append',
        'conv=notrunc',
      ]);
    });
  }

  async freeDisk(): Promise<void> {
    this.note('disk freed');
    await rm(join(this.dir, BALLAST), { force: true });
  }

  async unmount(): Promise<void> {
    if (this.tmpfs) await run('umount', ['-l', this.dir]);
    this.tmpfs = false;
  }

  /** Reads the process's peak RSS (kept across incarnations). */
  sampleRss(): void {
    const pid = this.proc?.pid;
    if (pid === undefined || this.state === 'down') return;
    readFile(`/proc/${pid}/status`, 'utf8').then(
      (s) => {
        const m = /VmHWM:\s+(\d+) kB/.exec(s);
        if (m) this.peakRssKiB = Math.max(this.peakRssKiB, Number(m[1]));
      },
      () => {},
    );
  }

  async close(): Promise<void> {
    if (this.state !== 'down') await this.kill('SIGKILL', 5000).catch(() => {});
    await this.unmount().catch(() => {});
    await new Promise<void>((r) => this.#log.end(r));
  }
}

/** Starts the Unix-socket forwarder of every host (socat, left running until the LAN is destroyed). */
export async function startForwarders(nodes: FaultNode[]): Promise<void> {
  for (const n of nodes) {
    await rm(n.api.socketPath, { force: true });
    n.host.spawn(
      'socat',
      [`UNIX-LISTEN:${n.api.socketPath},fork,unlink-early,mode=600`, `TCP:127.0.0.1:${API_PORT}`],
      { stdio: 'ignore' },
    );
  }
  const deadline = Date.now() + 30_000;
  for (const n of nodes) {
    for (;;) {
      const ok = await readFile(n.api.socketPath).then(
        () => true,
        (e: NodeJS.ErrnoException) => e.code !== 'ENOENT',
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`socat for ${n.name} did not start (is socat installed?)`);
      await sleep(50);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
