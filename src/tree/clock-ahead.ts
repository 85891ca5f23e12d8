import { MurmurError } from '../errors/index.ts';

/**
 * Refuses a local write (MURMUR_TREE_CLOCK_AHEAD) when this node's wall clock is ahead of its peers'
 * median by more than `maxDriftMs`: every peer would refuse the write's timestamp as too far in the
 * future (MURMUR_TREE_CLOCK_SKEW), so acknowledging it would lose it. Without an estimate (no peers
 * that reported their clock) it passes: alone, a node trusts its own clock.
 */
export function checkClockAhead(
  estimate: { offsetMs: number; peers: number } | undefined,
  maxDriftMs: number,
): void {
  if (estimate === undefined || estimate.offsetMs <= maxDriftMs) return;
  const aheadS = Math.round(estimate.offsetMs / 1000);
  throw new MurmurError(
    'MURMUR_TREE_CLOCK_AHEAD',
    `this node's clock is ${aheadS} s ahead of its peers' (median of ${estimate.peers}; the drift bound is ${maxDriftMs / 1000} s): writes are refused until the system clock is fixed`,
    { details: { offsetMs: estimate.offsetMs, peers: estimate.peers, maxDriftMs } },
  );
}
