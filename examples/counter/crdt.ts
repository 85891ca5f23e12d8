/**
 * The PN-counter CRDT: per counter name, one slot per node, each slot {p, n} only growing. A node
 * changes only its own slot; merge takes the per-slot maximum of p and of n, so it is commutative,
 * associative and idempotent; the value is Σp − Σn.
 */
export interface Slot {
  p: bigint;
  n: bigint;
}

/** name → peerId → slot. */
export type CounterState = Map<string, Map<string, Slot>>;

export interface Bounds {
  /** Most counters a state may hold. */
  maxCounters: number;
  /** Most slots (nodes) a counter may hold. */
  maxSlots: number;
}

export const DEFAULT_BOUNDS: Bounds = { maxCounters: 256, maxSlots: 256 };
/** Names: 1..64 characters of [A-Za-z0-9._-]. */
export const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
/** Slot components are uint64 on the wire. */
export const MAX_U64 = (1n << 64n) - 1n;

export function counterValue(slots: Map<string, Slot> | undefined): bigint {
  let v = 0n;
  for (const s of slots?.values() ?? []) v += s.p - s.n;
  return v;
}

/**
 * Merges `from` into `into` (in place) within the bounds: counters or slots past a cap are left out.
 * Returns true if `into` changed.
 */
export function mergeInto(into: CounterState, from: CounterState, bounds: Bounds = DEFAULT_BOUNDS): boolean {
  let changed = false;
  for (const [name, slots] of from) {
    let mine = into.get(name);
    if (mine === undefined) {
      if (into.size >= bounds.maxCounters) continue;
      mine = new Map();
      into.set(name, mine);
    }
    for (const [peer, s] of slots) {
      const cur = mine.get(peer);
      if (cur === undefined) {
        if (mine.size >= bounds.maxSlots) continue;
        mine.set(peer, { p: s.p, n: s.n });
        changed = true;
        continue;
      }
      if (s.p > cur.p) {
        cur.p = s.p;
        changed = true;
      }
      if (s.n > cur.n) {
        cur.n = s.n;
        changed = true;
      }
    }
  }
  return changed;
}

/** A deep copy. */
export function cloneState(state: CounterState): CounterState {
  const out: CounterState = new Map();
  for (const [name, slots] of state) {
    out.set(name, new Map([...slots].map(([peer, s]) => [peer, { p: s.p, n: s.n }])));
  }
  return out;
}

/** Equal as CRDT states (same counters, same slots, same components). */
export function sameState(a: CounterState, b: CounterState): boolean {
  if (a.size !== b.size) return false;
  for (const [name, sa] of a) {
    const sb = b.get(name);
    if (sb === undefined || sb.size !== sa.size) return false;
    for (const [peer, x] of sa) {
      const y = sb.get(peer);
      if (y === undefined || y.p !== x.p || y.n !== x.n) return false;
    }
  }
  return true;
}
