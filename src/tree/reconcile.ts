import { randomBytes } from 'node:crypto';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { bytesEqual, toHex } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import {
  MAX_RECONCILE_MESSAGE_BYTES,
  RECONCILE_FP_BYTES,
  RECONCILE_IDLIST_THRESHOLD,
  RECONCILE_MAX_DEPTH_BITS,
  RECONCILE_MAX_ROUNDS,
  RECONCILE_MAX_SPLIT_BITS,
  RECONCILE_PREFIX_BYTES,
  RECONCILE_SALT_BYTES,
  RECONCILE_SPLIT_TARGET,
} from './constants.ts';
import { limbsBytes } from './fingerprint.ts';
import type { IdSet } from './idset.ts';
import { sha256 } from './keys.ts';

/**
 * Range-based set reconciliation over 32-byte ids, in the spirit of negentropy but ranging over
 * id-prefix intervals (a trie over the top bits of the ids), so range bounds are implicit and never
 * sent. See docs/TREE.md for the message format. Pure message-in / message-out:
 *   const a = new Reconciler(setA); let m = a.initiate();
 *   const b = new Reconciler(setB);
 *   while (m) { m = b.receive(m); if (m) m = a.receive(m); }
 * Afterwards each side's `have` lists its ids the other lacks (to push), `need` the id prefixes it
 * lacks (the other side pushes them). Fingerprints are salted per session (the initiator's random
 * salt), so a collision — accidental or crafted — cannot hide a difference twice.
 */

const MODE_SKIP = 0;
const MODE_SPLIT = 1;
const MODE_IDLIST = 2;
const MODE_REPLY = 3;
const FIRST = 0x01;
const NEXT = 0x02;
const MAX_IDS_IN_MESSAGE = Math.floor(MAX_RECONCILE_MESSAGE_BYTES / RECONCILE_PREFIX_BYTES);

interface Node {
  depth: number;
  prefix: number;
}
interface Expect extends Node {
  /** Ids I sent as an IDLIST for this node; the peer answers with a REPLY. */
  sent?: Uint8Array[];
}
type Todo = (Node & { kind: 'child'; fp: Uint8Array }) | (Node & { kind: 'idlist'; prefixes: Uint8Array[] });

export interface ReconcilerOptions {
  /** Session salt (initiator only); random by default. */
  salt?: Uint8Array;
  idlistThreshold?: number;
  splitTarget?: number;
  maxSplitBits?: number;
}

export class Reconciler {
  readonly set: IdSet;
  /** My ids the peer lacks. */
  readonly have: Uint8Array[] = [];
  /** Id prefixes (RECONCILE_PREFIX_BYTES from byte ⌊depth/8⌋) the peer holds and I lack. */
  readonly need: Uint8Array[] = [];
  done = false;
  messages = 0;
  #salt: Uint8Array | null = null;
  #expect: Expect[] | null = null;
  readonly #threshold: number;
  readonly #target: number;
  readonly #maxBits: number;
  readonly #initialSalt: Uint8Array | undefined;

  constructor(set: IdSet, options: ReconcilerOptions = {}) {
    this.set = set;
    this.#threshold = options.idlistThreshold ?? RECONCILE_IDLIST_THRESHOLD;
    this.#target = options.splitTarget ?? RECONCILE_SPLIT_TARGET;
    this.#maxBits = Math.min(options.maxSplitBits ?? RECONCILE_MAX_SPLIT_BITS, 8);
    this.#initialSalt = options.salt;
  }

  /** First message: version, salt, fingerprint of the whole set (17 bytes). */
  initiate(): Uint8Array {
    if (this.#expect !== null) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'session already started');
    this.#salt = this.#initialSalt ?? new Uint8Array(randomBytes(RECONCILE_SALT_BYTES));
    const root = { depth: 0, prefix: 0 };
    this.#expect = [root];
    this.messages++;
    return concat([Uint8Array.of(FIRST), this.#salt, this.#fp(root)]);
  }

  /** Processes a message from the peer; returns the reply, or null when the session is over. */
  receive(msg: Uint8Array): Uint8Array | null {
    if (!(msg instanceof Uint8Array) || msg.length === 0) throw malformed('empty message');
    if (msg.length > MAX_RECONCILE_MESSAGE_BYTES) {
      throw new MurmurError('MURMUR_TREE_TOO_LARGE', 'reconciliation message too large');
    }
    if (this.done) throw malformed('session is over');
    if (++this.messages > RECONCILE_MAX_ROUNDS) throw malformed('too many rounds');
    const r = new Reader(msg);
    const todo: Todo[] = [];
    if (this.#expect === null) {
      if (r.u8() !== FIRST) throw malformed('expected a first message');
      this.#salt = r.bytes(RECONCILE_SALT_BYTES);
      todo.push({ depth: 0, prefix: 0, kind: 'child', fp: r.bytes(RECONCILE_FP_BYTES) });
    } else {
      if (r.u8() !== NEXT) throw malformed('bad message type');
      const expect = this.#expect;
      const modes = r.bytes(Math.ceil(expect.length / 4));
      for (let i = 0; i < expect.length; i++) {
        const e = expect[i]!;
        const mode = (modes[i >> 2]! >> ((i & 3) * 2)) & 3;
        if (mode === MODE_SKIP) continue;
        if (e.sent !== undefined) {
          if (mode !== MODE_REPLY) throw malformed('an id list must be answered by a reply');
          this.#readReply(r, e, e.sent);
        } else if (mode === MODE_SPLIT) {
          const b = r.u8();
          if (b < 1 || b > 8 || e.depth + b > RECONCILE_MAX_DEPTH_BITS) throw malformed('bad split');
          for (let c = 0; c < 2 ** b; c++) {
            todo.push({
              depth: e.depth + b,
              prefix: e.prefix * 2 ** b + c,
              kind: 'child',
              fp: r.bytes(RECONCILE_FP_BYTES),
            });
          }
        } else if (mode === MODE_IDLIST) {
          const k = r.varint(MAX_IDS_IN_MESSAGE);
          const prefixes: Uint8Array[] = [];
          for (let j = 0; j < k; j++) prefixes.push(r.bytes(RECONCILE_PREFIX_BYTES));
          todo.push({ depth: e.depth, prefix: e.prefix, kind: 'idlist', prefixes });
        } else {
          throw malformed('unexpected reply');
        }
      }
    }
    if (!r.atEnd()) throw malformed('trailing bytes');
    if (todo.length === 0) {
      this.done = true;
      this.#expect = [];
      return null;
    }
    return this.#write(todo);
  }

  #write(todo: Todo[]): Uint8Array {
    const modes = new Uint8Array(Math.ceil(todo.length / 4));
    const body: Uint8Array[] = [];
    const next: Expect[] = [];
    for (let i = 0; i < todo.length; i++) {
      const t = todo[i]!;
      const [lo, hi] = this.set.range(t.depth, t.prefix);
      let mode = MODE_SKIP;
      if (t.kind === 'idlist') {
        mode = MODE_REPLY;
        body.push(this.#reply(t, lo, hi));
      } else if (!bytesEqual(this.#fp(t, lo, hi), t.fp)) {
        const count = hi - lo;
        const room = Math.min(this.#maxBits, RECONCILE_MAX_DEPTH_BITS - t.depth);
        if (count <= this.#threshold || room < 1) {
          mode = MODE_IDLIST;
          const sent: Uint8Array[] = [];
          const skip = t.depth >> 3;
          body.push(varint(count));
          for (let j = lo; j < hi; j++) {
            const id = this.set.id(j);
            sent.push(id);
            body.push(id.subarray(skip, skip + RECONCILE_PREFIX_BYTES));
          }
          next.push({ depth: t.depth, prefix: t.prefix, sent });
        } else {
          mode = MODE_SPLIT;
          const b = Math.max(1, Math.min(room, Math.ceil(Math.log2(count / this.#target))));
          body.push(Uint8Array.of(b));
          for (let c = 0; c < 2 ** b; c++) {
            const child = { depth: t.depth + b, prefix: t.prefix * 2 ** b + c };
            body.push(this.#fp(child));
            next.push(child);
          }
        }
      }
      modes[i >> 2]! |= mode << ((i & 3) * 2);
    }
    this.#expect = next;
    if (next.length === 0) this.done = true;
    this.messages++;
    return concat([Uint8Array.of(NEXT), modes, ...body]);
  }

  /** Answer to the peer's id list: bitmap of which of its ids I hold, then my ids it lacks. */
  #reply(t: Todo & { kind: 'idlist' }, lo: number, hi: number): Uint8Array {
    const skip = t.depth >> 3;
    const mine = new Map<string, Uint8Array>();
    for (let j = lo; j < hi; j++) {
      const id = this.set.id(j);
      mine.set(toHex(id.subarray(skip, skip + RECONCILE_PREFIX_BYTES)), id);
    }
    const bitmap = new Uint8Array(Math.ceil(t.prefixes.length / 8));
    const theirs = new Set<string>();
    t.prefixes.forEach((p, i) => {
      const h = toHex(p);
      theirs.add(h);
      if (mine.has(h)) bitmap[i >> 3]! |= 1 << (i & 7);
      else this.need.push(p);
    });
    const extra: Uint8Array[] = [];
    for (const [h, id] of mine) {
      if (!theirs.has(h)) {
        this.have.push(id);
        extra.push(id.subarray(skip, skip + RECONCILE_PREFIX_BYTES));
      }
    }
    return concat([bitmap, varint(extra.length), ...extra]);
  }

  #readReply(r: Reader, e: Expect, sent: Uint8Array[]): void {
    const bitmap = r.bytes(Math.ceil(sent.length / 8));
    sent.forEach((id, i) => {
      if ((bitmap[i >> 3]! & (1 << (i & 7))) === 0) this.have.push(id);
    });
    const m = r.varint(MAX_IDS_IN_MESSAGE);
    for (let j = 0; j < m; j++) this.need.push(r.bytes(RECONCILE_PREFIX_BYTES));
    void e;
  }

  #fp(node: Node, lo?: number, hi?: number): Uint8Array {
    if (lo === undefined || hi === undefined) [lo, hi] = this.set.range(node.depth, node.prefix);
    const sum = new Uint32Array(8);
    this.set.sumRange(lo, hi, sum);
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, hi - lo, true);
    return sha256(this.#salt!, limbsBytes(sum), count).subarray(0, RECONCILE_FP_BYTES);
  }
}

/** Runs a whole session between two in-memory sets; returns both sides and traffic figures. */
export function reconcileInMemory(
  a: IdSet,
  b: IdSet,
  options: ReconcilerOptions = {},
): {
  initiator: Reconciler;
  responder: Reconciler;
  bytesUp: number;
  bytesDown: number;
  messages: number;
  roundTrips: number;
} {
  const initiator = new Reconciler(a, options);
  const responder = new Reconciler(b, options);
  let msg: Uint8Array | null = initiator.initiate();
  let bytesUp = 0;
  let bytesDown = 0;
  let messages = 0;
  let roundTrips = 0;
  while (msg !== null) {
    bytesUp += msg.length;
    messages++;
    msg = responder.receive(msg);
    if (msg === null) break;
    roundTrips++;
    bytesDown += msg.length;
    messages++;
    msg = initiator.receive(msg);
  }
  return { initiator, responder, bytesUp, bytesDown, messages, roundTrips };
}

function malformed(why: string): MurmurError {
  return new MurmurError('MURMUR_TREE_RECONCILE_MALFORMED', `reconciliation: ${why}`);
}

/** Reader of one message. Off the hot path: its varints go through `@bufbuild/protobuf/wire`. */
class Reader {
  readonly #buf: Uint8Array;
  readonly #r: BinaryReader;
  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.#r = new BinaryReader(buf);
  }
  u8(): number {
    const r = this.#r;
    if (r.pos >= r.len) throw malformed('truncated');
    return this.#buf[r.pos++]!;
  }
  bytes(n: number): Uint8Array {
    const r = this.#r;
    if (n > r.len - r.pos) throw malformed('truncated');
    const out = this.#buf.subarray(r.pos, r.pos + n);
    r.pos += n;
    return out;
  }
  /** A uint32 varint of at most `max` (an over-long one is refused, never truncated to 32 bits). */
  varint(max: number): number {
    const r = this.#r;
    const start = r.pos;
    let v: number;
    try {
      v = r.uint32();
    } catch (cause) {
      throw new MurmurError('MURMUR_TREE_RECONCILE_MALFORMED', 'reconciliation: truncated varint', { cause });
    }
    const read = r.pos - start;
    if (read > 5 || (read === 5 && this.#buf[r.pos - 1]! > 0x0f)) throw malformed('varint too long');
    if (v > max) throw malformed('count too large');
    return v;
  }
  atEnd(): boolean {
    return this.#r.pos === this.#r.len;
  }
}

function varint(n: number): Uint8Array {
  return new BinaryWriter().uint32(n).finish();
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
