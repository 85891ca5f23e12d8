import {
  DEMO_EVENTS,
  DEMO_KEY,
  type DemoNode,
  type FileCheck,
  type JournalCheck,
  type KindResult,
  type KvCheck,
} from './demo-data.ts';
import { shortId, table } from './format.ts';

/** The data kinds the demo shows converging, in order. */
export const KINDS = ['overlay', 'tree', 'journals', 'chunks'] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_LABEL: Record<Kind, string> = {
  overlay: 'overlay',
  tree: 'tree (kv)',
  journals: 'journals',
  chunks: 'chunks (file)',
};

/** What the live view reads: the nodes and the checks started so far. */
export interface LiveState {
  nodes: DemoNode[];
  kv?: KvCheck;
  journal?: JournalCheck;
  file?: FileCheck;
  /** One line saying what is happening now. */
  status: string;
  /** The live line of a registered kind's demo step while it runs. */
  extra?: string;
}

export function fmtMs(ms: number): string {
  if (ms < 0) return '-';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One row per node: peers, kv arrival, tree root hash, journal head, chunks held. */
export function renderLive(s: LiveState): string[] {
  const n = s.nodes.length;
  const rows = s.nodes.map((node, i) => {
    const st = node.daemon.node.status();
    const kv = s.kv;
    const arrived = kv?.arrivals[i];
    const kvCell =
      kv === undefined ? '-' : arrived === undefined ? '…' : i === 0 ? 'written' : `+${arrived} ms`;
    const hash = kv?.rootHash(i) ?? '';
    const head = s.journal?.head(i).head;
    return [
      node.name,
      shortId(node.daemon.node.peerId),
      `${bar(st.peers.active, n - 1)} ${st.peers.active}/${n - 1}`,
      kvCell,
      hash ? `${hash.slice(0, 10)}…` : '-',
      head === undefined ? '-' : `${head}/${DEMO_EVENTS}`,
      s.file ? String(s.file.chunks(i)) : '-',
    ];
  });
  const lines = table(
    ['node', 'peer id', 'active peers', `kv ${DEMO_KEY}`, 'tree hash', 'journal', 'chunks'],
    rows,
  )
    .split('\n')
    .map((l) => `  ${l}`);
  return [...lines, ...(s.extra ? [`  ${s.extra}`] : []), `  ${s.status}`];
}

/** The final table: per data kind, converged yes/no, time, detail. */
export function renderSummary(
  results: Record<string, KindResult>,
  labels: Record<string, string> = {},
): string {
  const rows = Object.entries(results).map(([k, r]) => [
    KIND_LABEL[k as Kind] ?? labels[k] ?? k,
    r.converged ? 'yes' : 'no',
    fmtMs(r.ms),
    r.detail,
  ]);
  return table(['data kind', 'converged', 'time', 'detail'], rows)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function bar(n: number, max: number): string {
  const width = 8;
  const full = max === 0 ? width : Math.round((Math.min(n, max) / max) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
