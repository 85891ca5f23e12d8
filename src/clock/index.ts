export {
  type ClockOffsetEstimate,
  ClockOffsetEstimator,
  type ClockOffsetOptions,
  cautiousMedian,
  median,
} from './offset.ts';
export { systemClock } from './system.ts';
export type { Clock, TimerHandle, TimerOptions } from './types.ts';
export { VirtualClock } from './virtual.ts';
