/**
 * Injecting and healing the faults of a schedule (./schedule.ts) on the nodes of a run:
 *
 * - `kill`: SIGKILL, down for the fault's duration, restarted on the same data folder;
 * - `term`: SIGTERM (a clean stop, the node says goodbye), restarted after the duration;
 * - `stop`: SIGSTOP, SIGCONT after the duration (a stalled peer: connections open, no answers);
 * - `partition`: the listed hosts cut off from the others on the bridge (nftables,
 *   test/helpers/netns.ts), healed after the duration;
 * - `loss`: 20–30 % of the packets the listed hosts receive on eth0 dropped (nftables `numgen random`:
 *   `tc netem` needs the sch_netem qdisc, missing on this kernel), removed after the duration;
 * - `clock`: the node restarted under libfaketime (LD_PRELOAD) with its clock ±10 minutes off, then
 *   restarted on the true clock after the duration;
 * - `disk`: the node's data folder (a small tmpfs) filled by a ballast file, freed after the duration;
 *   then, after a few seconds of writes, SIGTERM and a restart.
 */
import type { Lan } from '../helpers/netns.ts';
import { runInOk } from '../helpers/netns-exec.ts';
import { type FaultNode, sleep } from './cluster.ts';
import { describeFault, type Fault, type FaultKind } from './schedule.ts';

const LOSS_TABLE = 'murmur_faults_loss';
/** Writes go on this long after a full disk is freed, before the node is restarted. */
const DISK_AFTER_MS = 3000;

export interface FaultLogEntry {
  fault: Fault;
  injectedAt: number;
  healedAt?: number;
  error?: string;
}

export class FaultInjector {
  readonly lan: Lan;
  readonly nodes: FaultNode[];
  readonly log: FaultLogEntry[] = [];
  readonly counts = new Map<FaultKind, number>();
  lastHealAt = 0;
  #say: (line: string) => void;
  /** Per node, the end of the last fault on it: a restart can outlast its fault's planned duration. */
  readonly #busy = new Map<number, Promise<void>>();

  constructor(lan: Lan, nodes: FaultNode[], say: (line: string) => void) {
    this.lan = lan;
    this.nodes = nodes;
    this.#say = say;
  }

  bootstrapFor(i: number): string[] {
    return this.nodes.filter((n) => n.index !== i && n.peerId !== '').map((n) => n.addr);
  }

  async setLoss(host: number, percent: number): Promise<void> {
    const h = this.lan.hosts[host]!;
    let script = `table inet ${LOSS_TABLE}\ndelete table inet ${LOSS_TABLE}\n`;
    if (percent > 0) {
      script +=
        `table inet ${LOSS_TABLE} {\n  chain input {\n    type filter hook input priority -10; policy accept;\n` +
        `    iifname "${h.iface}" numgen random mod 1000 < ${Math.round(percent * 10)} counter drop\n  }\n}\n`;
    }
    await runInOk(h.ns, 'nft', ['-f', '-'], { input: script });
  }

  /**
   * Runs one fault: inject, hold for its duration, heal. A fault on a process waits for the faults
   * still running on the same nodes (a slow restart) to end first.
   */
  run(f: Fault, signal: AbortSignal): Promise<void> {
    if (f.kind === 'partition' || f.kind === 'loss') return this.#run(f, signal);
    const before = Promise.all(f.nodes.map((i) => this.#busy.get(i)));
    const done = before.then(() => this.#run(f, signal));
    for (const i of f.nodes) this.#busy.set(i, done);
    return done;
  }

  async #run(f: Fault, signal: AbortSignal): Promise<void> {
    const entry: FaultLogEntry = { fault: f, injectedAt: Date.now() };
    this.log.push(entry);
    this.counts.set(f.kind, (this.counts.get(f.kind) ?? 0) + 1);
    this.#say(`fault ${describeFault(f)}`);
    const targets = f.nodes.map((i) => this.nodes[i]!);
    const hold = (): Promise<void> =>
      new Promise((r) => {
        const t = setTimeout(r, f.durationMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            r();
          },
          { once: true },
        );
      });
    try {
      switch (f.kind) {
        case 'kill':
        case 'term':
          await Promise.all(targets.map((n) => n.kill(f.kind === 'kill' ? 'SIGKILL' : 'SIGTERM')));
          await hold();
          await Promise.all(targets.map((n) => n.start(this.bootstrapFor(n.index))));
          break;
        case 'stop':
          for (const n of targets) {
            n.state = 'stalled';
            n.signal('SIGSTOP');
          }
          await hold();
          for (const n of targets) {
            n.signal('SIGCONT');
            if (n.state === 'stalled') n.state = 'up';
          }
          break;
        case 'partition':
          await this.lan.partition(f.nodes);
          await hold();
          await this.lan.heal();
          break;
        case 'loss':
          await Promise.all(f.nodes.map((i) => this.setLoss(i, f.amount ?? 25)));
          await hold();
          await Promise.all(f.nodes.map((i) => this.setLoss(i, 0)));
          break;
        case 'clock': {
          const off = `${f.amount! > 0 ? '+' : ''}${f.amount}m`;
          await Promise.all(targets.map((n) => n.kill('SIGTERM')));
          await Promise.all(targets.map((n) => n.start(this.bootstrapFor(n.index), { clockOffset: off })));
          await hold();
          await Promise.all(targets.map((n) => n.kill('SIGTERM')));
          await Promise.all(targets.map((n) => n.start(this.bootstrapFor(n.index))));
          break;
        }
        case 'disk':
          // the data folder is a tmpfs of its own (./cluster.ts): a ballast file takes all its free
          // space, then goes; a few seconds of writes later the node stops cleanly and starts again,
          // so the checker sees whether what it acknowledged after the full disk survived a restart
          await Promise.all(targets.map((n) => n.fillDisk()));
          await hold();
          await Promise.all(targets.map((n) => n.freeDisk()));
          await sleep(DISK_AFTER_MS);
          await Promise.all(targets.map((n) => n.kill('SIGTERM')));
          await Promise.all(targets.map((n) => n.start(this.bootstrapFor(n.index))));
          break;
      }
    } catch (e) {
      entry.error = (e as Error).message;
      this.#say(`fault ${f.kind} on ${f.nodes.join(',')} failed: ${entry.error}`);
    }
    entry.healedAt = Date.now();
    this.lastHealAt = Math.max(this.lastHealAt, entry.healedAt);
  }

  /** Heals everything that may still be in force (after an abort or a failed heal). */
  async healAll(): Promise<void> {
    await this.lan.heal().catch(() => {});
    await Promise.all(this.nodes.map((n) => this.setLoss(n.index, 0).catch(() => {})));
    for (const n of this.nodes) {
      if (n.state === 'stalled') {
        n.signal('SIGCONT');
        n.state = 'up';
      }
    }
    for (const n of this.nodes) {
      if (n.state === 'down' || n.clockOffset !== undefined) {
        if (n.state !== 'down') await n.kill('SIGTERM');
        await n
          .start(this.bootstrapFor(n.index))
          .catch((e: Error) => this.#say(`restart of ${n.name} failed: ${e.message}`));
      }
    }
    this.lastHealAt = Date.now();
  }
}
