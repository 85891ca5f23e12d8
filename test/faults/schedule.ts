/**
 * The fault schedule of a run, a pure function of (seed, nodes, duration, kinds): the same seed gives
 * the same faults on the same nodes at the same offsets, so `--seed S` replays a run's schedule (the
 * workload's timing, and so what each write meets, still varies).
 */

/** A small deterministic PRNG (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** k distinct items. */
  sample<T>(xs: readonly T[], k: number): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, k);
  }
}

export const FAULT_KINDS = ['kill', 'term', 'stop', 'partition', 'loss', 'clock', 'disk'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  /** Offset from the start of the fault phase. */
  atMs: number;
  kind: FaultKind;
  /** The nodes it hits (for a partition: one side). */
  nodes: number[];
  /** How long it lasts before it is healed (the node restarted, continued, the rule removed). */
  durationMs: number;
  /** Loss in percent; clock offset in minutes. */
  amount?: number;
}

export interface ScheduleOptions {
  seed: number;
  nodes: number;
  durationMs: number;
  kinds: readonly FaultKind[];
  /** Faults held at once (default 2). */
  lanes?: number;
  /** Shortest and longest fault (default 3–12 s). */
  minFaultMs?: number;
  maxFaultMs?: number;
}

/**
 * Faults in `lanes` independent sequences; a node is in at most one fault at a time and never more
 * than ⌈nodes/3⌉ nodes are down or stalled at once, so the rest keep a quorum of the workload.
 */
export function makeSchedule(o: ScheduleOptions): Fault[] {
  const rng = new Rng(o.seed);
  const lanes = o.lanes ?? 2;
  const minMs = o.minFaultMs ?? 3000;
  const maxMs = o.maxFaultMs ?? 12_000;
  const all = Array.from({ length: o.nodes }, (_, i) => i);
  const maxNodes = Math.max(1, Math.ceil(o.nodes / 3));
  const faults: Fault[] = [];
  // each lane: gap, fault, gap, fault … until the duration
  const cursors = Array.from({ length: lanes }, () => rng.int(500, 2500));
  const busyUntil = new Map<number, number>();
  for (;;) {
    const lane = cursors.indexOf(Math.min(...cursors));
    const at = cursors[lane]!;
    const durationMs = rng.int(minMs, maxMs);
    // the last faults may run past the end: they are cut short there, so that the last heal comes
    // with the end of the workload and the time to agreement after it means something
    if (at + minMs > o.durationMs) break;
    const kind = rng.pick(o.kinds);
    const free = all.filter((i) => (busyUntil.get(i) ?? 0) <= at);
    const busyNow = all.length - free.length;
    let nodes: number[];
    if (kind === 'partition') nodes = rng.sample(all, rng.int(1, Math.max(1, Math.floor(o.nodes / 2))));
    else if (kind === 'loss') nodes = rng.sample(all, rng.int(1, Math.max(1, Math.floor(o.nodes / 2))));
    else nodes = rng.sample(free, Math.min(free.length, maxNodes - busyNow, rng.int(1, 2)));
    if (kind !== 'partition' && kind !== 'loss' && nodes.length === 0) {
      cursors[lane] = at + 1000;
      continue;
    }
    // one partition and one loss setting at a time (each replaces the rule set of its kind)
    const overlapping = faults.some(
      (f) => f.kind === kind && (kind === 'partition' || kind === 'loss') && f.atMs + f.durationMs > at,
    );
    if (overlapping) {
      cursors[lane] = at + 1000;
      continue;
    }
    const fault: Fault = { atMs: at, kind, nodes: nodes.sort((a, b) => a - b), durationMs };
    if (kind === 'loss') fault.amount = rng.int(20, 30);
    if (kind === 'clock') fault.amount = rng.pick([10, -10]);
    faults.push(fault);
    if (kind !== 'partition' && kind !== 'loss')
      for (const n of nodes) busyUntil.set(n, at + durationMs + 1000);
    cursors[lane] = at + durationMs + rng.int(1000, 4000);
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

export function describeFault(f: Fault): string {
  const who =
    f.kind === 'partition'
      ? `{${f.nodes.map((n) => `n${n}`).join(',')}} | rest`
      : f.nodes.map((n) => `n${n}`).join(',');
  const extra =
    f.kind === 'loss'
      ? ` ${f.amount}%`
      : f.kind === 'clock'
        ? ` ${f.amount! > 0 ? '+' : ''}${f.amount}m`
        : '';
  return `+${(f.atMs / 1000).toFixed(1)}s ${f.kind}${extra} ${who} for ${(f.durationMs / 1000).toFixed(1)}s`;
}
