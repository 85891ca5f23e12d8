import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import './codes.ts';
import { MurmurError } from '../../src/errors/index.ts';
import { type Bounds, type CounterState, DEFAULT_BOUNDS, NAME_RE, type Slot } from './crdt.ts';
import { StateSchema } from './proto/counters_pb.js';

/** Protobuf encoding of a whole state (proto/counters.proto). */
export function encodeState(state: CounterState): Uint8Array {
  return toBinary(
    StateSchema,
    create(StateSchema, {
      counters: [...state].map(([name, slots]) => ({
        name,
        slots: [...slots].map(([peer, s]) => ({ peer, p: s.p, n: s.n })),
      })),
    }),
  );
}

/**
 * Decodes a state a peer sent, checking it: names valid and unique, at most `maxCounters` counters
 * and `maxSlots` slots each, peer ids non-empty (≤ 128 chars) and unique, n ≤ p is NOT required
 * (a counter may go below zero). Throws MURMUR_COUNTER_STATE_UNDECODABLE on bytes that are not the
 * protobuf message, MURMUR_COUNTER_STATE_INVALID on a message that breaks those rules.
 */
export function decodeState(bytes: Uint8Array, bounds: Bounds = DEFAULT_BOUNDS): CounterState {
  let msg: ReturnType<typeof fromBinary<typeof StateSchema>>;
  try {
    msg = fromBinary(StateSchema, bytes);
  } catch (err) {
    throw new MurmurError('MURMUR_COUNTER_STATE_UNDECODABLE', 'undecodable counters state', { cause: err });
  }
  const bad = (why: string): MurmurError =>
    new MurmurError('MURMUR_COUNTER_STATE_INVALID', `counters state: ${why}`);
  if (msg.counters.length > bounds.maxCounters) throw bad('too many counters');
  const out: CounterState = new Map();
  for (const c of msg.counters) {
    if (!NAME_RE.test(c.name)) throw bad('bad counter name');
    if (out.has(c.name)) throw bad('duplicate counter');
    if (c.slots.length > bounds.maxSlots) throw bad('too many slots');
    const slots = new Map<string, Slot>();
    for (const s of c.slots) {
      if (s.peer.length === 0 || s.peer.length > 128) throw bad('bad peer id');
      if (slots.has(s.peer)) throw bad('duplicate slot');
      slots.set(s.peer, { p: s.p, n: s.n });
    }
    out.set(c.name, slots);
  }
  return out;
}
