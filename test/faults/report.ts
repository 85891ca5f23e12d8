/** The human report of a fault run (the JSON one is the FaultRunResult itself). */
import type { FaultRunResult } from './harness.ts';

export function formatReport(r: FaultRunResult): string {
  const lines: string[] = [];
  const w = r.writes;
  lines.push(
    `fault run seed ${r.seed}: ${r.nodes} nodes, ${(r.durationMs / 1000).toFixed(0)} s of faults, ${(r.wallMs / 1000).toFixed(0)} s in all`,
  );
  const faults = Object.entries(r.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(
    `  faults injected   ${faults || 'none'}${r.faultErrors.length ? ` (${r.faultErrors.length} failed to inject or heal)` : ''}`,
  );
  const acks = Object.entries(w)
    .map(([k, v]) => `${k} ${v.ok}`)
    .join(', ');
  const unknown = Object.values(w).reduce((a, v) => a + v.unknown, 0);
  const failed = Object.values(w).reduce((a, v) => a + v.fail, 0);
  lines.push(`  acknowledged      ${acks}  (unknown outcome ${unknown}, refused ${failed})`);
  const lk = Object.entries(r.lostByKind)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`  lost: ${r.lost}${lk ? ` (${lk})` : ''}`);
  lines.push(
    `  convergence       ${r.converged ? `${r.convergeMs} ms after the last heal (and the last write)` : `none within the limit (${r.notConverged ?? ''})`}`,
  );
  const c = r.check.checked;
  lines.push(
    `  checked           ${c.kvKeys} kv keys, ${c.journalEvents} journal events, ${c.files} files (${c.fileReads} reads) on every node`,
  );
  const sk = Object.entries(r.strikes.byKind)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`  strikes           ${r.strikes.total}${sk ? ` (${sk})` : ''}`);
  lines.push(
    `  purgatory         ${r.purgatoryEntries.length} entries during the run${r.purgatoryEntries.length ? `: ${r.purgatoryEntries.map((p) => `${p.node}→${p.peer} (${p.reason ?? '?'})`).join(', ')}` : ''}; honest peers in purgatory at the end: ${r.honestInPurgatory}`,
  );
  lines.push(
    `  peak RSS (MiB)    ${Object.entries(r.peakRssMiB)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')}`,
  );
  for (const e of r.faultErrors) lines.push(`  fault error: ${e}`);
  if (r.ok) lines.push('  result: OK');
  else {
    lines.push(`  result: FAILED (seed ${r.seed}; replay with --seed ${r.seed})`);
    lines.push(`  first disagreement: ${r.firstDisagreement}`);
    const more = r.check.disagreements.slice(1, 10);
    for (const d of more) lines.push(`    also: ${d.check}${d.node ? ` on ${d.node}` : ''}: ${d.detail}`);
    if (r.check.disagreements.length > 10) lines.push(`    … ${r.check.disagreements.length - 10} more`);
  }
  const minutes = Number((r.durationMs / 60_000).toFixed(6));
  lines.push(
    `  replay: npm run faults -- --nodes ${r.nodes} --seed ${r.seed} --minutes ${minutes} --kinds ${r.kinds.join(',')}`,
  );
  if (r.dataDir) lines.push(`  data folders and logs kept in ${r.dataDir}`);
  return lines.join('\n');
}
