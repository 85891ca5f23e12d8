/**
 * The fault harness's small configuration (test/faults/, docs/TESTING.md "The fault harness"): four
 * real `murmur start` processes in network namespaces under a workload of kv writes, journal
 * appends, file puts, grants and revocations, while a seeded schedule kills (-9 and SIGTERM),
 * stalls (SIGSTOP), partitions, drops packets and fills data folders (each a small tmpfs); after
 * the heal the checker must find every node agreeing, no acknowledged write lost and no honest
 * peer in purgatory. One fixed seed and two random ones; each report ends with the command that
 * replays its schedule (`npm run faults -- --nodes 4 --seed S --minutes … --kinds …`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { runFaults } from '../faults/harness.ts';
import { formatReport } from '../faults/report.ts';
import type { FaultKind } from '../faults/schedule.ts';
import { netnsSkip } from '../helpers/netns.ts';

/**
 * The kinds that pass today. Left out: `clock` (a node whose clock runs 10 minutes fast acknowledges
 * writes its peers refuse as clock skew until real time catches up, so the nodes cannot agree in a
 * short run; one 10 minutes slow stamps its writes behind its own earlier ones: docs/TESTING.md).
 */
export const CI_KINDS: FaultKind[] = ['kill', 'term', 'stop', 'partition', 'loss', 'disk'];
// its schedule: kill, term, stop, disk and partition within the 20 s (most seeds draw three or four kinds)
const FIXED_SEED = 43;
const NODES = 4;
const FAULT_MS = 20_000;

function skipReason(): string | false {
  const netns = netnsSkip();
  if (netns !== false || process.env.MURMUR_REQUIRE_NETNS === '1') return netns;
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return false;
  } catch {
    return '`socat` is missing (install socat)';
  }
}

const seeds = [FIXED_SEED, ...[0, 1].map(() => Math.floor(Math.random() * 2 ** 31))];

for (const [i, seed] of seeds.entries()) {
  test(`fault run ${i === 0 ? 'fixed' : 'random'} seed ${seed}: ${NODES} nodes, ${FAULT_MS / 1000} s of ${CI_KINDS.join(', ')}`, {
    skip: skipReason(),
    timeout: 200_000,
  }, async (t) => {
    const r = await runFaults({
      nodes: NODES,
      seed,
      durationMs: FAULT_MS,
      kinds: CI_KINDS,
      clients: 3,
      maxFileBytes: 64 * 1024,
      tmpfsMiB: 256,
      convergeTimeoutMs: 60_000,
    });
    const report = formatReport(r);
    for (const line of report.split('\n')) t.diagnostic(line);
    assert.ok(r.faults && Object.values(r.faults).reduce((a, b) => a + b, 0) > 0, 'faults were injected');
    assert.ok(
      r.writes['kv-put'].ok > 0 && r.writes.journal.ok > 0 && r.writes.file.ok > 0,
      'writes were acknowledged',
    );
    assert.ok(r.ok, `seed ${seed}: ${r.firstDisagreement}\n${report}`);
    assert.equal(r.lost, 0);
    assert.equal(r.honestInPurgatory, 0);
  });
}
