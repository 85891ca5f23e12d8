/**
 * Real multi-host tests on one machine: n Linux network namespaces ("hosts"), each with one veth
 * `eth0` plugged into a bridge that lives in its own namespace, so the machine's own network is never
 * touched. IPv6 link-local addresses are fixed (fe80::<i+1>) and usable at once (no DAD), so
 * multicast to ff02::1%eth0 works as soon as createLan() resolves. Needs root, `ip` and `nft`.
 *
 * Packet loss is an nftables rule (`numgen random`) in the receiving host's namespace: `tc netem` is
 * not available on every kernel. A partition is an nftables rule on the bridge.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  deleteNamespaceSync,
  type ExecOptions,
  type ExecResult,
  killGroup,
  listNamespacesSync,
  pidAlive,
  runIn,
  runInOk,
  runOk,
  spawnIn,
} from './netns-exec.ts';

export type { ExecOptions, ExecResult } from './netns-exec.ts';

export interface LanOptions {
  /** Number of hosts (1..250). */
  hosts: number;
  /** A short tag put in the namespace names ([a-z0-9], at most 12 chars). */
  name?: string;
  /** Also give each host an IPv4 address 10.77.0.<i+1>/24. */
  ipv4?: boolean;
  signal?: AbortSignal;
}

export interface Host {
  index: number;
  /** Namespace name. */
  ns: string;
  /** Interface name inside the host (`eth0`). */
  iface: string;
  ipv4?: string;
  /** `fe80::<index+1>`, without scope. */
  linkLocal: string;
  /** Runs `cmd args…` inside the host and collects its output; never rejects on a non-zero exit. */
  exec(cmd: string, args?: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Spawns `cmd args…` inside the host (own process group); Lan.destroy() kills it. */
  spawn(cmd: string, args?: readonly string[], opts?: SpawnOptions): ChildProcess;
}

export interface Lan {
  name: string;
  bridgeNs: string;
  hosts: Host[];
  /** Drops `percent` % of the packets host `host` receives (0 removes the rule). */
  setLoss(host: number, percent: number): Promise<void>;
  /** Cuts the listed hosts off from the others (they still reach each other). Replaces an earlier partition. */
  partition(hosts: readonly number[]): Promise<void>;
  /** Removes the partition (loss rules stay). */
  heal(): Promise<void>;
  /** Kills every process started in the hosts and deletes all namespaces. Idempotent. */
  destroy(): Promise<void>;
}

export const HOST_IFACE = 'eth0';
const BRIDGE = 'br0';
const NS_PREFIX = 'mm-';
const LOSS_TABLE = 'murmur_loss';
const PARTITION_TABLE = 'murmur_partition';
const READY_TIMEOUT_MS = 60_000;

let lanSeq = 0;
const liveLans = new Set<LanImpl>();
let handlersInstalled = false;
let availability: { ok: boolean; reason?: string } | undefined;

/** Whether namespaces can be built here; `reason` says why not (for a test's skip message). */
export function netnsAvailable(): { ok: boolean; reason?: string } {
  availability ??= probe();
  return availability;
}

/**
 * `false` when netns tests can run, else the skip reason: `test('x', { skip: netnsSkip() }, …)`.
 * With env MURMUR_REQUIRE_NETNS=1 (set by .ci/run as root) it never skips: createLan() then fails
 * with the reason, so CI cannot pass without running the namespace tests.
 */
export function netnsSkip(): string | false {
  if (process.env.MURMUR_REQUIRE_NETNS === '1') return false;
  const a = netnsAvailable();
  return a.ok ? false : `network namespaces unavailable: ${a.reason}`;
}

function probe(): { ok: boolean; reason?: string } {
  if (process.platform !== 'linux')
    return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  for (const [cmd, arg] of [
    ['ip', '-V'],
    ['nft', '--version'],
  ] as const) {
    try {
      execFileSync(cmd, [arg], { stdio: 'ignore' });
    } catch {
      return {
        ok: false,
        reason: `\`${cmd}\` is missing (install ${cmd === 'ip' ? 'iproute2' : 'nftables'})`,
      };
    }
  }
  if (!existsSync('/proc/sys/net/ipv6')) return { ok: false, reason: 'IPv6 is disabled in this kernel' };
  const ns = `${NS_PREFIX}${process.pid}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
    execFileSync(
      'ip',
      ['netns', 'exec', ns, 'ip', 'link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'],
      {
        stdio: 'pipe',
      },
    );
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'probe'], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return { ok: false, reason: `cannot build a namespace: ${err.stderr?.toString().trim() || err.message}` };
  } finally {
    deleteNamespaceSync(ns);
  }
}

/** Deletes namespaces left behind by harness runs whose process is gone (a crash, a SIGKILL). */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespacesSync()) {
    const m = /^mm-(\d+)-/.exec(ns);
    if (m?.[1] === undefined) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) {
      deleteNamespaceSync(ns);
      removed.push(ns);
    }
  }
  return removed;
}

export async function createLan(opts: LanOptions): Promise<Lan> {
  const n = opts.hosts;
  if (!Number.isInteger(n) || n < 1 || n > 250) throw new RangeError(`hosts must be 1..250, got ${n}`);
  const tag =
    (opts.name ?? 'lan')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12) || 'lan';
  const avail = netnsAvailable();
  if (!avail.ok) throw new Error(`network namespaces unavailable: ${avail.reason}`);
  removeStaleNamespaces();
  installExitHandlers();
  const name = `${NS_PREFIX}${process.pid}-${lanSeq++}-${tag}`;
  const lan = new LanImpl(name, n, opts.ipv4 === true);
  liveLans.add(lan);
  try {
    await lan.build(opts.signal);
  } catch (e) {
    await lan.destroy();
    throw e;
  }
  return lan;
}

class LanImpl implements Lan {
  readonly name: string;
  readonly bridgeNs: string;
  readonly hosts: Host[];
  readonly #children = new Set<ChildProcess>();
  #destroyed = false;

  constructor(name: string, n: number, ipv4: boolean) {
    this.name = name;
    this.bridgeNs = `${name}-br`;
    this.hosts = Array.from({ length: n }, (_, i) => this.#makeHost(i, ipv4));
  }

  #makeHost(index: number, ipv4: boolean): Host {
    const ns = `${this.name}-h${index}`;
    const host: Host = {
      index,
      ns,
      iface: HOST_IFACE,
      linkLocal: `fe80::${(index + 1).toString(16)}`,
      exec: (cmd, args = [], o = {}) => runIn(ns, cmd, args, o),
      spawn: (cmd, args = [], o = {}) => this.#spawn(ns, cmd, args, o),
    };
    if (ipv4) host.ipv4 = `10.77.0.${index + 1}`;
    return host;
  }

  #spawn(ns: string, cmd: string, args: readonly string[], o: SpawnOptions): ChildProcess {
    if (this.#destroyed) throw new Error(`lan ${this.name} is destroyed`);
    const child = spawnIn(ns, cmd, args, o);
    this.#children.add(child);
    child.on('close', () => this.#children.delete(child));
    child.on('error', () => this.#children.delete(child));
    return child;
  }

  async build(signal?: AbortSignal): Promise<void> {
    const o = { signal };
    await runOk('ip', ['netns', 'add', this.bridgeNs], o);
    const br = this.bridgeNs;
    await runInOk(br, 'ip', ['link', 'set', 'lo', 'up'], o);
    await runInOk(
      br,
      'ip',
      [
        'link',
        'add',
        BRIDGE,
        'type',
        'bridge',
        'stp_state',
        '0',
        'forward_delay',
        '0',
        'mcast_snooping',
        '0',
      ],
      o,
    );
    await runInOk(br, 'ip', ['link', 'set', BRIDGE, 'up'], o);
    await Promise.all(this.hosts.map((h) => this.#buildHost(h, o)));
    await this.#waitReady(signal);
  }

  async #buildHost(h: Host, o: ExecOptions): Promise<void> {
    await runOk('ip', ['netns', 'add', h.ns], o);
    // DAD off before the interface exists, so its link-local address is never "tentative".
    await runInOk(
      h.ns,
      'sysctl',
      ['-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'],
      o,
    );
    const port = `p${h.index}`;
    await runOk(
      'ip',
      ['link', 'add', h.iface, 'netns', h.ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.bridgeNs],
      o,
    );
    await runInOk(h.ns, 'ip', ['link', 'set', 'lo', 'up'], o);
    await runInOk(h.ns, 'ip', ['link', 'set', h.iface, 'addrgenmode', 'none'], o);
    await runInOk(h.ns, 'ip', ['link', 'set', h.iface, 'up'], o);
    await runInOk(h.ns, 'ip', ['-6', 'addr', 'add', `${h.linkLocal}/64`, 'dev', h.iface, 'nodad'], o);
    if (h.ipv4 !== undefined) await runInOk(h.ns, 'ip', ['addr', 'add', `${h.ipv4}/24`, 'dev', h.iface], o);
    await runInOk(this.bridgeNs, 'ip', ['link', 'set', port, 'master', BRIDGE, 'up'], o);
  }

  /** Waits until every host link has carrier and every bridge port forwards. */
  async #waitReady(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ports = await runInOk(this.bridgeNs, 'bridge', ['link', 'show'], { signal });
      const forwarding = (ports.match(/state forwarding/g) ?? []).length;
      const links = await Promise.all(
        this.hosts.map((h) => runInOk(h.ns, 'ip', ['-6', 'addr', 'show', 'dev', h.iface], { signal })),
      );
      const linksOk = links.every(
        (l) => l.includes('LOWER_UP') && l.includes('fe80::') && !l.includes('tentative'),
      );
      if (forwarding === this.hosts.length && linksOk) return;
      if (Date.now() > deadline) {
        throw new Error(
          `lan ${this.name} not ready after ${READY_TIMEOUT_MS} ms: ${ports} ${links.join(' ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #host(i: number): Host {
    const h = this.hosts[i];
    if (h === undefined) throw new RangeError(`no host ${i} (lan has ${this.hosts.length})`);
    return h;
  }

  async setLoss(host: number, percent: number): Promise<void> {
    const h = this.#host(host);
    if (!(percent >= 0 && percent <= 100)) throw new RangeError(`percent must be 0..100, got ${percent}`);
    // `table …` first makes the delete valid even when the table does not exist yet; one atomic batch.
    let script = `table inet ${LOSS_TABLE}\ndelete table inet ${LOSS_TABLE}\n`;
    if (percent > 0) {
      const perMille = Math.round(percent * 10);
      script +=
        `table inet ${LOSS_TABLE} {\n  chain input {\n    type filter hook input priority -10; policy accept;\n` +
        `    numgen random mod 1000 < ${perMille} counter drop\n  }\n}\n`;
    }
    await runInOk(h.ns, 'nft', ['-f', '-'], { input: script });
  }

  async partition(hosts: readonly number[]): Promise<void> {
    for (const i of hosts) this.#host(i);
    const side = [...new Set(hosts)].map((i) => `"p${i}"`);
    const other = this.hosts.filter((h) => !hosts.includes(h.index)).map((h) => `"p${h.index}"`);
    let script = `table bridge ${PARTITION_TABLE}\ndelete table bridge ${PARTITION_TABLE}\n`;
    if (side.length > 0 && other.length > 0) {
      const a = `{ ${side.join(', ')} }`;
      const b = `{ ${other.join(', ')} }`;
      script +=
        `table bridge ${PARTITION_TABLE} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n` +
        `    iifname ${a} oifname ${b} counter drop\n    iifname ${b} oifname ${a} counter drop\n  }\n}\n`;
    }
    await runInOk(this.bridgeNs, 'nft', ['-f', '-'], { input: script });
  }

  async heal(): Promise<void> {
    const script = `table bridge ${PARTITION_TABLE}\ndelete table bridge ${PARTITION_TABLE}\n`;
    await runInOk(this.bridgeNs, 'nft', ['-f', '-'], { input: script });
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const exited = [...this.#children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(resolve, 2000);
          c.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    );
    this.destroySync();
    await Promise.all(exited);
  }

  /** The synchronous part of destroy(), also used from the process exit handler. */
  destroySync(): void {
    this.#destroyed = true;
    for (const c of this.#children) killGroup(c);
    for (const h of this.hosts) deleteNamespaceSync(h.ns);
    deleteNamespaceSync(this.bridgeNs);
    liveLans.delete(this);
  }
}

function destroyAllSync(): void {
  for (const lan of [...liveLans]) lan.destroySync();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', destroyAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      destroyAllSync();
      process.kill(process.pid, sig); // the listener is gone now: default action (exit by signal)
    });
  }
}

export { listNamespacesSync } from './netns-exec.ts';
