/**
 * The checker of a fault run: after the faults heal it waits for the nodes to agree, then compares
 * what every node holds with the history of acknowledged writes (./workload.ts):
 *
 * - every node answers, and every node's tree root hash is the same;
 * - kv: per key, the visible entry is the newest (timestamp, then signer bytes: the tree's order)
 *   acknowledged write whose grant chain is not revoked — or a newer write whose outcome was unknown;
 *   an older one, or nothing where a value is due, is a lost write; an entry under a revoked grant
 *   still visible is a disagreement too; and the write acknowledged last in real time (begun after
 *   every other one of its key ended) must be that newest one (a node with a wrong clock breaks it);
 * - every acknowledged grant and revocation is held (a revocation as revoked);
 * - journals: identical on every node (same head and head hash), events 1..head with no gap, every
 *   acknowledged append at its sequence number with its hash and payload;
 * - files: every acknowledged file is retrievable byte-identical (SHA-256) from every node;
 * - no node holds an honest peer (every peer here is honest) in purgatory.
 */
import { createHash } from 'node:crypto';
import type { FaultNode } from './cluster.ts';
import { sleep } from './cluster.ts';
import type { History, Op, WorkloadSetup } from './workload.ts';

/** The longest the file reads of a check may take, all nodes and files together. */
const FILES_PHASE_MS = 120_000;

export interface Disagreement {
  check: string;
  node?: string;
  detail: string;
}

export interface CheckResult {
  ok: boolean;
  disagreements: Disagreement[];
  lost: { kv: number; journal: number; file: number; grant: number; revoke: number };
  checked: { kvKeys: number; journalEvents: number; files: number; fileReads: number };
  purgatory: { node: string; peer: string; reason?: string; strikes: number }[];
}

interface EntryView {
  key: string;
  value: string | null;
  timestamp: number;
  signer: string;
  grants: string[];
}

interface JournalView {
  id: string;
  from: number;
  to: number;
  hash: string;
}

interface Glance {
  ok: boolean;
  rootHash?: string;
  journals?: Map<string, string>;
  error?: string;
}

/** The light view of a node used to wait for agreement: its root hash and journal heads. */
async function glance(n: FaultNode, root: string): Promise<Glance> {
  try {
    const t = await n.api.call<{ trees: { root: string; rootHash: string }[] }>('GET', '/v1/trees', {
      timeoutMs: 10_000,
    });
    const j = await n.api.call<{ journals: JournalView[] }>('GET', '/v1/journals', { timeoutMs: 10_000 });
    if (t.status !== 200 || j.status !== 200) return { ok: false, error: `HTTP ${t.status}/${j.status}` };
    const rootHash = t.body.trees.find((x) => x.root === root)?.rootHash ?? '(tree not held)';
    return { ok: true, rootHash, journals: new Map(j.body.journals.map((x) => [x.id, `${x.to}:${x.hash}`])) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Why the nodes do not agree yet (undefined once they do). */
function disagreementOf(nodes: FaultNode[], gl: Glance[], setup: WorkloadSetup): string | undefined {
  const bad = gl.findIndex((g) => !g.ok);
  if (bad >= 0) return `${nodes[bad]!.name} does not answer: ${gl[bad]!.error}`;
  const h0 = gl[0]!.rootHash;
  const other = gl.findIndex((g) => g.rootHash !== h0);
  if (other >= 0) return `root hash ${nodes[0]!.name} ${h0} ≠ ${nodes[other]!.name} ${gl[other]!.rootHash}`;
  for (const id of setup.journals) {
    const heads = gl.map((g) => g.journals!.get(id) ?? 'missing');
    const k = heads.findIndex((h) => h !== heads[0]);
    if (k >= 0)
      return `journal ${id.slice(0, 8)}…: ${nodes[0]!.name} ${heads[0]!.slice(0, 20)} ≠ ${nodes[k]!.name} ${heads[k]!.slice(0, 20)}`;
  }
  return undefined;
}

/** Waits until every node answers with the same root hash and journal heads; returns the ms waited. */
export async function waitForAgreement(
  nodes: FaultNode[],
  setup: WorkloadSetup,
  timeoutMs: number,
): Promise<{ ms: number; converged: boolean; last?: string }> {
  const t0 = Date.now();
  let last: string | undefined;
  while (Date.now() - t0 < timeoutMs) {
    const gl = await Promise.all(nodes.map((n) => glance(n, setup.root.publicKey)));
    last = disagreementOf(nodes, gl, setup);
    if (last === undefined) return { ms: Date.now() - t0, converged: true };
    await sleep(500);
  }
  return { ms: Date.now() - t0, converged: false, ...(last === undefined ? {} : { last }) };
}

/** Tree order of two entries (timestamp, then signer key bytes: lower-case hex compares alike). */
function newer(a: { timestamp: number; signer: string }, b: { timestamp: number; signer: string }): boolean {
  return a.timestamp !== b.timestamp ? a.timestamp > b.timestamp : a.signer > b.signer;
}

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

export async function check(
  nodes: FaultNode[],
  history: History,
  setup: WorkloadSetup,
): Promise<CheckResult> {
  const root = setup.root.publicKey;
  const d: Disagreement[] = [];
  const lost = { kv: 0, journal: 0, file: 0, grant: 0, revoke: 0 };
  const checked = { kvKeys: 0, journalEvents: 0, files: 0, fileReads: 0 };
  const purgatory: CheckResult['purgatory'] = [];
  const ops = history.ops;
  const acked = (k: Op['kind']): Op[] => ops.filter((o) => o.kind === k && o.outcome === 'ok');

  // every node answers; root hashes
  const hashes: (string | undefined)[] = [];
  for (const n of nodes) {
    const h = await n.api.call('GET', '/health', { timeoutMs: 10_000 }).catch((e: Error) => e);
    if (h instanceof Error || h.status !== 200) {
      d.push({ check: 'answers', node: n.name, detail: h instanceof Error ? h.message : `HTTP ${h.status}` });
      hashes.push(undefined);
      continue;
    }
    const t = await n.api.call<{ trees: { root: string; rootHash: string }[] }>('GET', '/v1/trees');
    hashes.push(t.body.trees.find((x) => x.root === root)?.rootHash);
  }
  for (let i = 1; i < nodes.length; i++) {
    if (hashes[i] !== undefined && hashes[0] !== undefined && hashes[i] !== hashes[0])
      d.push({
        check: 'root hash',
        node: nodes[i]!.name,
        detail: `${hashes[i]} ≠ ${nodes[0]!.name} ${hashes[0]}`,
      });
  }
  const live = nodes.filter((_, i) => hashes[i] !== undefined);

  // grants and revocations
  const revokedSet = new Set<string>();
  for (const n of live) {
    const g = await n.api.call<{ grants: { id: string; revoked: boolean }[] }>(
      'GET',
      `/v1/trees/${root}/grants`,
    );
    const byId = new Map(g.body.grants.map((x) => [x.id, x.revoked]));
    for (const [id, r] of byId) if (r) revokedSet.add(id);
    for (const op of acked('grant')) {
      if (!byId.has(op.grant!)) {
        lost.grant++;
        d.push({
          check: 'grant',
          node: n.name,
          detail: `acknowledged grant ${op.grant} (op ${op.id} on n${op.node}) missing`,
        });
      }
    }
    for (const op of acked('revoke')) {
      if (byId.get(op.grant!) !== true) {
        lost.revoke++;
        d.push({
          check: 'revocation',
          node: n.name,
          detail: `acknowledged revocation of ${op.grant} (op ${op.id} on n${op.node}) not held`,
        });
      }
    }
  }

  // kv: the model of the visible value per key
  const kvOps = ops.filter((o) => (o.kind === 'kv-put' || o.kind === 'kv-del') && o.outcome !== 'fail');
  const byValue = new Map(kvOps.filter((o) => o.value !== undefined).map((o) => [o.value!, o]));
  const keys = [...new Set(kvOps.map((o) => o.key!))].sort();
  const valid = (o: Op): boolean => !(o.entry?.grants ?? []).some((g) => revokedSet.has(g));
  for (const n of live) {
    const l = await n.api.call<{ entries: EntryView[] }>('GET', `/v1/trees/${root}/list`, {
      timeoutMs: 30_000,
    });
    const visible = new Map(l.body.entries.map((e) => [e.key, e]));
    for (const key of keys) {
      const mine = kvOps.filter((o) => o.key === key);
      let expected: Op | undefined;
      for (const o of mine) {
        if (o.outcome === 'ok' && valid(o) && (expected === undefined || newer(o.entry!, expected.entry!)))
          expected = o;
      }
      const order = realTimeProblem(
        key,
        mine.filter((o) => o.outcome === 'ok' && valid(o)),
        expected,
      );
      if (order !== undefined) {
        lost.kv++;
        d.push({ check: 'kv order', node: n.name, detail: order });
      }
      const actual = visible.get(key);
      const problem = judgeKey(key, expected, actual, mine, byValue, revokedSet);
      if (problem !== undefined) {
        if (problem.lost) lost.kv++;
        d.push({ check: 'kv', node: n.name, detail: problem.detail });
      }
    }
    checked.kvKeys = keys.length;
  }

  // journals
  const appends = acked('journal');
  for (const id of setup.journals) {
    let reference: { seq: number; hash: string }[] | undefined;
    for (const n of live) {
      const r = await n.api.call<{ events: { seq: number; hash: string; e?: string; p?: unknown }[] }>(
        'GET',
        `/v1/journals/${encodeURIComponent(id)}/events?from=1&limit=100000`,
        { timeoutMs: 30_000 },
      );
      if (r.status !== 200) {
        d.push({
          check: 'journal',
          node: n.name,
          detail: `journal ${id.slice(0, 8)}… not readable: HTTP ${r.status}`,
        });
        continue;
      }
      const events = r.body.events;
      events.forEach((e, k) => {
        if (e.seq !== k + 1)
          d.push({
            check: 'journal',
            node: n.name,
            detail: `journal ${id.slice(0, 8)}… gap: event ${k + 1} is seq ${e.seq}`,
          });
      });
      const at = new Map(events.map((e) => [e.seq, e]));
      for (const op of appends.filter((o) => o.journal === id)) {
        const e = at.get(op.seq!);
        if (e === undefined || e.hash !== op.hash || e.p !== op.payload) {
          lost.journal++;
          d.push({
            check: 'journal',
            node: n.name,
            detail: `acknowledged append op ${op.id} (n${op.node}, seq ${op.seq}, ${op.payload}) ${e === undefined ? `missing (head ${events.length})` : `differs: ${e.hash.slice(0, 12)} ${JSON.stringify(e.p)}`}`,
          });
        }
      }
      const mine = events.map((e) => ({ seq: e.seq, hash: e.hash }));
      if (reference === undefined) reference = mine;
      else if (JSON.stringify(reference) !== JSON.stringify(mine))
        d.push({
          check: 'journal',
          node: n.name,
          detail: `journal ${id.slice(0, 8)}… differs from ${live[0]!.name}: ${mine.length} vs ${reference.length} events`,
        });
      checked.journalEvents += events.length;
    }
  }

  // files
  const files = acked('file');
  checked.files = files.length;
  const reads = live.flatMap((n) => files.map((op) => ({ n, op })));
  // a file a node cannot retrieve waits for its retrieval to give up: bound the whole phase
  const filesDeadline = Date.now() + FILES_PHASE_MS;
  await pool(reads, 4, async ({ n, op }) => {
    const f = op.file!;
    let why = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const left = filesDeadline - Date.now();
      if (left <= 0) {
        why ||= `not retrieved within the check's ${FILES_PHASE_MS / 1000} s for files`;
        break;
      }
      const r = await n.api
        .call('GET', `/v1/files/${f.root}`, { timeoutMs: Math.min(30_000, left) })
        .catch((e: Error) => e);
      if (r instanceof Error) why = r.message;
      else if (r.status !== 200) why = `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;
      else {
        const sha = createHash('sha256').update(r.bytes).digest('hex');
        if (sha === f.sha256) {
          checked.fileReads++;
          return;
        }
        why = `${r.bytes.length} bytes, sha256 ${sha.slice(0, 12)} ≠ ${f.sha256.slice(0, 12)}`;
      }
      await sleep(1000);
    }
    lost.file++;
    d.push({
      check: 'file',
      node: n.name,
      detail: `acknowledged file ${f.root} (op ${op.id} on n${op.node}, ${f.size} B): ${why}`,
    });
  });

  // purgatory
  const names = new Map(nodes.map((n) => [n.peerId, n.name]));
  for (const n of live) {
    const p = await n.api.call<{
      peers: { peerId: string; state: string; reason?: string; strikes: number }[];
    }>('GET', '/v1/peers');
    for (const peer of p.body.peers) {
      if (peer.state !== 'purgatory') continue;
      const entry = {
        node: n.name,
        peer: names.get(peer.peerId) ?? peer.peerId,
        strikes: peer.strikes,
        ...(peer.reason ? { reason: peer.reason } : {}),
      };
      purgatory.push(entry);
      d.push({
        check: 'purgatory',
        node: n.name,
        detail: `honest peer ${entry.peer} in purgatory (${peer.reason ?? '?'}, ${peer.strikes} strikes)`,
      });
    }
  }

  return { ok: d.length === 0, disagreements: d, lost, checked, purgatory };
}

/**
 * Real-time order: the nodes share the kernel's clock, so a write that began after every other
 * acknowledged write of its key had ended gets a larger timestamp than all of them — unless a
 * node's clock is off. Then the newest by timestamp is an earlier write, and the last one is lost
 * though the tree's own order keeps it hidden.
 */
export function realTimeProblem(key: string, acked: Op[], expected: Op | undefined): string | undefined {
  const last = acked.reduce<Op | undefined>(
    (a, o) => (a === undefined || o.start > a.start ? o : a),
    undefined,
  );
  if (last === undefined || expected === undefined || last === expected) return undefined;
  if (acked.some((o) => o !== last && o.end >= last.start)) return undefined; // concurrent with a rival
  return `${key}: op ${last.id} on n${last.node} (${last.value ?? 'delete'}, ts ${last.entry!.timestamp}) acknowledged after every other write of the key ended, but op ${expected.id} on n${expected.node} (ts ${expected.entry!.timestamp}, ${Math.round((expected.entry!.timestamp - last.entry!.timestamp) / 1024 / 1000)} s later) hides it`;
}

export function judgeKey(
  key: string,
  expected: Op | undefined,
  actual: EntryView | undefined,
  mine: Op[],
  byValue: Map<string, Op>,
  revoked: Set<string>,
): { lost: boolean; detail: string } | undefined {
  const show = (o: Op): string =>
    `op ${o.id} ${o.kind} on n${o.node} ${o.value ?? '(delete)'} ts ${o.entry?.timestamp ?? '?'}`;
  if (actual === undefined || actual.value === null) {
    if (expected === undefined || expected.entry!.deleted) return undefined;
    // an unknown-outcome delete that had not ended when the expected write began may be newer
    if (mine.some((o) => o.kind === 'kv-del' && o.outcome === 'unknown' && o.end >= expected.start))
      return undefined;
    return { lost: true, detail: `${key}: nothing visible, expected ${show(expected)}` };
  }
  if (actual.grants.some((g) => revoked.has(g)))
    return { lost: false, detail: `${key}: visible entry ${actual.value} relies on a revoked grant` };
  const op = byValue.get(actual.value);
  if (op === undefined)
    return { lost: false, detail: `${key}: visible value ${actual.value} was never written` };
  if (expected === undefined) {
    if (op.outcome === 'unknown') return undefined;
    return { lost: false, detail: `${key}: visible ${show(op)} but no acknowledged write is due` };
  }
  if (actual.timestamp === expected.entry!.timestamp && actual.signer === expected.entry!.signer) {
    if (op !== expected)
      return {
        lost: false,
        detail: `${key}: visible ${actual.value}, expected ${show(expected)} (same timestamp)`,
      };
    return undefined;
  }
  if (newer(actual, expected.entry!) && op.outcome === 'unknown') return undefined;
  return {
    lost: !newer(actual, expected.entry!),
    detail: `${key}: visible ${show(op)} (ts ${actual.timestamp}), expected ${show(expected)}`,
  };
}
