import type { NodeStatus, PeerInfo } from '../../node/types.ts';

/** Renders rows as an aligned text table with a header line. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "3s ago", "5m ago", "never". */
export function ago(ms: number, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** 1536 → "1.5 KiB", 0 → "0 B". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** The chunk store line of `murmur status`. */
export function formatStorage(s: Record<string, number | boolean>): string {
  const used = Number(s.usedBytes ?? 0);
  const cap = Number(s.capacityBytes ?? 0);
  const parts = [
    `${formatBytes(used)} of ${cap === 0 ? 'unlimited' : formatBytes(cap)}`,
    `${s.chunks ?? 0} chunks`,
    `${s.pinnedChunks ?? 0} pinned (${formatBytes(Number(s.pinnedBytes ?? 0))})`,
    `${s.evictedChunks ?? 0} evicted`,
  ];
  if (s.overCapacity === true) parts.push('OVER CAPACITY (everything left is pinned)');
  // say it: unpinned chunks are copies this node keeps for its neighbourhood (pull-sync), evicted over
  // capacity, farthest first
  const replicated = Math.max(0, used - Number(s.pinnedBytes ?? 0));
  const held = `           ${formatBytes(replicated)} of it are copies kept for the neighbourhood (pull-sync; evicted farthest first over capacity, --chunks-capacity)`;
  return `storage    ${parts.join(', ')}\n${held}`;
}

export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}

export function formatPeers(peers: PeerInfo[], now = Date.now()): string {
  if (peers.length === 0) return 'no known peers (connect one with: murmur connect <multiaddr>)';
  const order = { active: 0, connecting: 1, lifesupport: 2, purgatory: 3 } as const;
  const sorted = [...peers].sort(
    (a, b) => order[a.state] - order[b.state] || a.peerId.localeCompare(b.peerId),
  );
  return table(
    ['PEER', 'STATE', 'PO', 'LAST SEEN', 'STRIKES', 'REASON', 'UNTIL', 'ADDRESS'],
    sorted.map((p) => [
      p.peerId,
      p.state,
      p.po === undefined ? '-' : String(p.po),
      ago(p.lastSeen, now),
      p.strikes > 0 && p.strikesDecayAt
        ? `${p.strikes} (-1 ${inFuture(p.strikesDecayAt, now)})`
        : String(p.strikes),
      p.reason ?? '-',
      until(p, now),
      p.addresses[0] ?? '-',
    ]),
  );
}

/** When the peer's lifesupport backoff ends (next dial) or its purgatory lifts: absolute and relative. */
function until(p: PeerInfo, now: number): string {
  if (p.nextAttemptAt === undefined || (p.state !== 'lifesupport' && p.state !== 'purgatory')) return '-';
  const what = p.state === 'purgatory' ? 'lifts' : 'dial';
  return `${what} ${utc(p.nextAttemptAt)} (${inFuture(p.nextAttemptAt, now)})`;
}

/** "2026-12-02 14:33:00Z". */
export function utc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function inFuture(at: number, now: number): string {
  const s = Math.max(0, Math.round((at - now) / 1000));
  return s < 60 ? `in ${s}s` : s < 3600 ? `in ${Math.round(s / 60)}m` : `in ${Math.round(s / 3600)}h`;
}

/** `ok`, or `read-only: disk full since … (cause)` while the store refuses writes. */
function formatStore(h: NonNullable<NodeStatus['store']>): string {
  const reopened = h.reopens > 0 ? ` (reopened ${h.reopens}×)` : '';
  if (h.state === 'ok') return `ok${reopened}`;
  const what = h.code === 'MURMUR_DISK_FULL' ? 'disk full' : 'a write failed';
  const since = h.since === undefined ? '' : ` since ${new Date(h.since).toISOString()}`;
  const doing = h.state === 'reopening' ? ', reopening' : ', reopened once space is back';
  return `read-only: ${what}${since}${doing}${h.reason === undefined ? '' : ` (${h.reason})`}${reopened}`;
}

/** `+600.0 s vs the median of 2 peers` (positive: this node's clock is ahead). */
export function formatClockOffset(c: NonNullable<NodeStatus['clockOffset']>): string {
  const sign = c.offsetMs >= 0 ? '+' : '−';
  return `${sign}${(Math.abs(c.offsetMs) / 1000).toFixed(1)} s vs the median of ${c.peers} peer${c.peers === 1 ? '' : 's'}`;
}

export function formatStatus(s: NodeStatus): string {
  const lines = [
    `peer id    ${s.peerId}`,
    `overlay    ${s.overlay}`,
    `network    ${s.networkId}`,
    `uptime     ${duration(s.uptimeMs)}`,
    `depth      ${s.depth}`,
    `peers      ${Object.entries(s.peers)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...(s.store === undefined ? [] : [`store      ${formatStore(s.store)}`]),
    ...(s.clockOffset === undefined ? [] : [`clock      ${formatClockOffset(s.clockOffset)}`]),
    'addresses',
    ...(s.addresses.length ? s.addresses.map((a) => `  ${a}`) : ['  (none)']),
  ];
  const last = s.bins.reduce((acc, n, i) => (n > 0 ? i : acc), -1);
  const shown = Math.max(last, s.depth) + 1;
  lines.push('peers per bin (active)');
  lines.push(
    table(
      ['BIN', ...s.bins.slice(0, shown).map((_, i) => String(i))],
      [['peers', ...s.bins.slice(0, shown).map(String)]],
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  const counters = Object.entries(s.counters);
  if (counters.length) {
    lines.push('counters');
    lines.push(
      table(
        ['NAME', 'VALUE'],
        counters.map(([k, v]) => [k, String(v)]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return lines.join('\n');
}
