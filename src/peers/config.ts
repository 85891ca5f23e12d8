import {
  DEFAULT_BACKOFF_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_FLUSH_MS,
  DEFAULT_HEARTBEAT_CHECK_MS,
  DEFAULT_IDLE_MS,
  DEFAULT_MAX_KNOWN,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_PURGATORY_MS,
  DEFAULT_STRIKE_DECAY_MS,
  DEFAULT_STRIKE_THRESHOLD,
} from './constants.ts';
import type { PeerBookConfig } from './types.ts';

/** The full configuration: each field given, or its default from constants.ts. */
export function peerBookConfig(config: Partial<PeerBookConfig> = {}): PeerBookConfig {
  return {
    backoffMs: config.backoffMs ?? DEFAULT_BACKOFF_MS,
    idleMs: config.idleMs ?? DEFAULT_IDLE_MS,
    heartbeatCheckMs: config.heartbeatCheckMs ?? DEFAULT_HEARTBEAT_CHECK_MS,
    pongTimeoutMs: config.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS,
    dialTimeoutMs: config.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
    purgatoryMs: config.purgatoryMs ?? DEFAULT_PURGATORY_MS,
    strikeThreshold: config.strikeThreshold ?? DEFAULT_STRIKE_THRESHOLD,
    strikeDecayMs: config.strikeDecayMs ?? DEFAULT_STRIKE_DECAY_MS,
    maxKnown: config.maxKnown ?? DEFAULT_MAX_KNOWN,
    flushMs: config.flushMs ?? DEFAULT_FLUSH_MS,
  };
}
