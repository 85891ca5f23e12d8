/**
 * The workload of a fault run and its history: several clients at once, each picking a node that is
 * up and an operation — kv puts and deletes under grants (the nodes' own keys and short-lived extra
 * writer keys), journal appends, file puts, grants and revocations — through the nodes' local API.
 * Every operation is recorded with its node, start and end time and outcome: `ok` (acknowledged:
 * the checker requires it), `fail` (refused with a 4xx answer or never sent: must not be there) or
 * `unknown` (no answer or a 5xx: may or may not have been applied). Values are unique per operation,
 * so the checker can tell which write it sees.
 */
import { createHash } from 'node:crypto';
import { keyPairToJson } from '../../src/tree/keyfile.ts';
import { generateKeyPair } from '../../src/tree/keys.ts';
import { type ApiAnswer, ApiUnreachable } from './api.ts';
import { type FaultNode, sleep } from './cluster.ts';
import { Rng } from './schedule.ts';

export type OpKind = 'kv-put' | 'kv-del' | 'journal' | 'file' | 'grant' | 'revoke';
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface KeyJson {
  publicKey: string;
  privateKey: string;
}

export interface EntryAck {
  timestamp: number;
  signer: string;
  grants: string[];
  deleted: boolean;
}

export interface Op {
  id: number;
  kind: OpKind;
  node: number;
  start: number;
  end: number;
  outcome: Outcome;
  status?: number;
  error?: string;
  key?: string;
  value?: string;
  signer?: string;
  entry?: EntryAck;
  journal?: string;
  seq?: number;
  hash?: string;
  payload?: string;
  file?: { root?: string; sha256: string; size: number; seed: number };
  grant?: string;
  to?: string;
}

/** A writer key granted `/shared/**` by the root for a while, then revoked. */
interface TempWriter {
  key: KeyJson;
  node: number;
  grant?: string;
  grantedAt: number;
  revoked: boolean;
}

export interface WorkloadSetup {
  /** The tree's root key (the harness holds it; grants and revocations are signed with it). */
  root: KeyJson;
  /** Each node's own tree key (granted `/n<i>/**` and `/shared/**`). */
  nodeKeys: string[];
  /** Each node's journal id. */
  journals: string[];
}

export const SHARED_KEYS = 8;
export const OWN_KEYS = 12;

/** Deterministic file bytes of a seed (the checker regenerates them instead of keeping them). */
export function fileBytes(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  const rng = new Rng(seed);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(Math.floor(rng.next() * 2 ** 32), i);
  return out;
}

export class History {
  readonly ops: Op[] = [];
  #next = 0;

  begin(kind: OpKind, node: number, fields: Partial<Op> = {}): Op {
    const op: Op = { id: this.#next++, kind, node, start: Date.now(), end: 0, outcome: 'unknown', ...fields };
    this.ops.push(op);
    return op;
  }

  /** Records the end of an operation from its answer (or the reason it got none). */
  async settle<T>(op: Op, call: Promise<ApiAnswer<T>>): Promise<ApiAnswer<T> | undefined> {
    try {
      const a = await call;
      op.end = Date.now();
      op.status = a.status;
      if (a.status >= 200 && a.status < 300) op.outcome = 'ok';
      else {
        op.outcome = a.status >= 400 && a.status < 500 ? 'fail' : 'unknown';
        const e = (a.body as { error?: { code?: string } } | undefined)?.error;
        op.error = e?.code ?? `HTTP ${a.status}`;
      }
      return a;
    } catch (e) {
      op.end = Date.now();
      op.outcome = e instanceof ApiUnreachable && e.outcome === 'refused' ? 'fail' : 'unknown';
      op.error = (e as Error).message;
      return undefined;
    }
  }

  count(kind: OpKind, outcome: Outcome): number {
    return this.ops.filter((o) => o.kind === kind && o.outcome === outcome).length;
  }
}

export interface WorkloadOptions {
  nodes: FaultNode[];
  setup: WorkloadSetup;
  history: History;
  seed: number;
  clients: number;
  /** Pause between two operations of one client (ms, random in the range). */
  pauseMs: [number, number];
  /** Largest file put (bytes). */
  maxFileBytes: number;
  signal: AbortSignal;
}

const WEIGHTS: [string, number][] = [
  ['kv-put', 40],
  ['kv-del', 8],
  ['temp-put', 8],
  ['journal', 25],
  ['file', 7],
  ['grant', 3],
  ['revoke', 3],
];

export class Workload {
  readonly o: WorkloadOptions;
  readonly temps: TempWriter[] = [];
  #value = 0;

  constructor(o: WorkloadOptions) {
    this.o = o;
  }

  /** Runs the clients until the signal aborts; resolves when every client has finished its last op. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.o.clients }, (_, c) => this.#client(c)));
  }

  async #client(c: number): Promise<void> {
    const rng = new Rng(this.o.seed * 7919 + c + 1);
    const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
    while (!this.o.signal.aborted) {
      const up = this.o.nodes.filter((n) => n.state === 'up');
      if (up.length > 0) {
        let r = rng.next() * total;
        let kind = WEIGHTS[0]![0];
        for (const [k, w] of WEIGHTS) {
          r -= w;
          if (r < 0) {
            kind = k;
            break;
          }
        }
        await this.#op(kind, rng, up).catch(() => {});
      }
      await sleep(rng.int(this.o.pauseMs[0], this.o.pauseMs[1]));
    }
  }

  #unique(): string {
    return `v${this.#value++}-${Date.now().toString(36)}`;
  }

  async #op(kind: string, rng: Rng, up: FaultNode[]): Promise<void> {
    const { history, setup } = this.o;
    const node = rng.pick(up);
    const i = node.index;
    const root = setup.root.publicKey;
    const kvKey = (): string =>
      rng.next() < 0.35 ? `/shared/k${rng.int(0, SHARED_KEYS - 1)}` : `/n${i}/k${rng.int(0, OWN_KEYS - 1)}`;
    switch (kind) {
      case 'kv-put': {
        const key = kvKey();
        const value = this.#unique();
        const op = history.begin('kv-put', i, { key, value, signer: setup.nodeKeys[i] });
        const a = await history.settle(
          op,
          node.api.call('PUT', `/v1/trees/${root}/kv${key}`, { body: { value } }),
        );
        if (op.outcome === 'ok') op.entry = entryAck(a!.body);
        return;
      }
      case 'kv-del': {
        const key = kvKey();
        const op = history.begin('kv-del', i, { key, signer: setup.nodeKeys[i] });
        const a = await history.settle(op, node.api.call('DELETE', `/v1/trees/${root}/kv${key}`));
        if (op.outcome === 'ok') op.entry = entryAck(a!.body);
        return;
      }
      case 'temp-put': {
        const t = this.temps.filter((w) => w.grant !== undefined && !w.revoked);
        if (t.length === 0) return;
        const w = rng.pick(t);
        const n = this.o.nodes[w.node]!;
        if (n.state !== 'up') return;
        const key = `/shared/k${rng.int(0, SHARED_KEYS - 1)}`;
        const value = this.#unique();
        const op = history.begin('kv-put', w.node, { key, value, signer: w.key.publicKey });
        const a = await history.settle(
          op,
          n.api.call('PUT', `/v1/trees/${root}/kv${key}`, { body: { value, key: w.key } }),
        );
        if (op.outcome === 'ok') op.entry = entryAck(a!.body);
        return;
      }
      case 'journal': {
        const payload = this.#unique();
        const id = setup.journals[i]!;
        const op = history.begin('journal', i, { journal: id, payload });
        const a = await history.settle(
          op,
          node.api.call('POST', `/v1/journals/${encodeURIComponent(id)}/events`, {
            body: { e: 'w', p: payload },
          }),
        );
        if (op.outcome === 'ok') {
          const b = a!.body as { seq: number; hash: string };
          op.seq = b.seq;
          op.hash = b.hash;
        }
        return;
      }
      case 'file': {
        const seed = rng.int(1, 2 ** 30);
        const size = 4 * rng.int(256, Math.max(257, this.o.maxFileBytes / 4));
        const bytes = fileBytes(seed, size);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const op = history.begin('file', i, { file: { sha256, size, seed } });
        const a = await history.settle(
          op,
          node.api.call('POST', '/v1/files?pin=true', { raw: bytes, timeoutMs: 60_000 }),
        );
        if (op.outcome === 'ok') op.file!.root = (a!.body as { root: string }).root;
        return;
      }
      case 'grant': {
        if (this.temps.filter((w) => !w.revoked).length >= 3) return;
        const key = keyPairToJson(generateKeyPair());
        const w: TempWriter = { key, node: i, grantedAt: Date.now(), revoked: false };
        const op = history.begin('grant', i, { to: key.publicKey });
        const a = await history.settle(
          op,
          node.api.call('POST', `/v1/trees/${root}/grants`, {
            body: { to: key.publicKey, pattern: '/shared/**', key: setup.root },
          }),
        );
        if (op.outcome === 'ok') {
          w.grant = (a!.body as { id: string }).id;
          op.grant = w.grant;
          this.temps.push(w);
        }
        return;
      }
      case 'revoke': {
        const t = this.temps.filter(
          (w) => w.grant !== undefined && !w.revoked && Date.now() - w.grantedAt > 3000,
        );
        if (t.length === 0) return;
        const w = rng.pick(t);
        w.revoked = true; // no more writes planned under it, whatever the answer
        const op = history.begin('revoke', i, { grant: w.grant });
        await history.settle(
          op,
          node.api.call('POST', `/v1/trees/${root}/revocations`, {
            body: { grant: w.grant, key: setup.root },
          }),
        );
        return;
      }
    }
  }
}

function entryAck(body: unknown): EntryAck {
  const b = body as { timestamp: number; signer: string; grants: string[]; deleted: boolean };
  return { timestamp: b.timestamp, signer: b.signer, grants: b.grants, deleted: b.deleted };
}
