import { MemoryLevel } from 'memory-level';
import type { Journals } from '../../src/journals/journals.ts';
import type { Writer } from '../../src/journals/keys.ts';
import { StreamerSession } from '../../src/journals/sync/session.ts';
import { type FollowPolicy, JournalSync } from '../../src/journals/sync/sync.ts';
import { type Faults, memoryPair } from '../../src/streamer/channel.ts';
import { openJournals } from './helpers.ts';

/** One simulated node: journals + sync over in-memory streamer sessions. */
export interface SimNode {
  name: string;
  db: MemoryLevel<string, Uint8Array>;
  journals: Journals;
  sync: JournalSync;
  sessions: Map<string, StreamerSession>;
  penalties: { peer: string; code: string }[];
}

export async function simNode(
  name: string,
  options: {
    writer?: Writer;
    db?: MemoryLevel<string, Uint8Array>;
    policy?: FollowPolicy;
    stallTimeoutMs?: number;
  } = {},
): Promise<SimNode> {
  const db = options.db ?? new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' });
  const journals = await openJournals({ db, ...(options.writer ? { writer: options.writer } : {}) });
  const penalties: { peer: string; code: string }[] = [];
  const sync = new JournalSync({
    journals,
    policy: options.policy ?? { mode: 'all' },
    catalogueIntervalMs: 100,
    stallTimeoutMs: options.stallTimeoutMs ?? 300,
    backoffMs: 60_000,
    onPenalty: (peer, code) => penalties.push({ peer, code }),
  });
  sync.start();
  return { name, db, journals, sync, sessions: new Map(), penalties };
}

/**
 * Connects two nodes: one streamer session each way over a memory channel with optional faults
 * (ab: frames from a to b), and catalogue dialers. Returns a function that cuts the link.
 */
export async function link(
  a: SimNode,
  b: SimNode,
  faults: { ab?: Faults; ba?: Faults } = {},
  options: { bServes?: boolean } = {},
): Promise<() => Promise<void>> {
  const [ca, cb] = memoryPair(faults);
  const sa = new StreamerSession({ peer: b.name, channel: ca, providers: a.sync.providers() });
  const sb = new StreamerSession({ peer: a.name, channel: cb, providers: b.sync.providers() });
  sa.start();
  sb.start();
  a.sessions.set(b.name, sa);
  b.sessions.set(a.name, sb);
  const dial = (server: SimNode) => async () => {
    const [x, y] = memoryPair();
    void server.sync.serveCatalogue(y);
    return x;
  };
  await a.sync.addPeer(b.name, { session: sa, dialCatalogue: dial(b) });
  if (options.bServes !== false) await b.sync.addPeer(a.name, { session: sb, dialCatalogue: dial(a) });
  return async () => {
    await Promise.all([sa.stop(), sb.stop()]);
    await a.sync.removePeer(b.name);
    await b.sync.removePeer(a.name);
  };
}

export async function shutdown(...nodes: SimNode[]): Promise<void> {
  for (const n of nodes) {
    await n.sync.stop();
    for (const s of n.sessions.values()) await s.stop();
    await n.journals.stop();
  }
}
