import type { Clock } from '../clock/index.ts';
import { type MurmurError, type StrikeKind, strikeKindOf } from '../errors/index.ts';
import type { FrameReservation } from './frame-budget.ts';

/** The options, limits and violation classes of a StreamChannel (src/node/stream-channel.ts). */
export interface StreamChannelOptions {
  /** The idle timeouts run on it (default: the system clock). */
  clock?: Clock;
  /** Per-message byte cap (checked before a body is buffered). */
  maxBytes: number;
  /** Idle time allowed while waiting for the next message or for a write to drain. */
  idleTimeoutMs: number;
  /** Byte counts crossing the stream. */
  onBytes?: (direction: 'in' | 'out', bytes: number) => void;
  /** `n` whole messages (default 1) crossed the stream. */
  onMessage?: (direction: 'in' | 'out', n?: number) => void;
  /**
   * The remote sent an oversized or malformed frame, went over its budget of unfinished-message
   * bytes, or stalled inside a message (the stream is already aborted); `kind` is the table's.
   */
  onViolation?: (kind: StrikeKind, err: MurmurError) => void;
  /**
   * The peer's share of the node's FrameBudget: an unfinished frame's announced length is reserved
   * while its body arrives (over budget: the stream is reset with the budget's error). None: unbounded.
   */
  budget?: FrameReservation;
  /**
   * Longest wait for more bytes once a frame has begun (prefix or body partly received), on the
   * clock: then the stream is reset with MURMUR_FRAME_STALLED. Default: the idle timeout.
   */
  stallTimeoutMs?: number;
}

/**
 * Frames sent in one turn of the event loop are written to the stream together, up to this many bytes
 * per write: one yamux frame (12-byte header) in one Noise message (65535 bytes minus the 16-byte tag)
 * for many small messages; a write of 64 KiB or more would take two of each. The byte stream on the
 * wire is the same as with one write per frame. A frame larger than this is written alone.
 */
export const COALESCE_BYTES = 65535 - 16 - 12;

/** The smallest write buffer (a smaller one comes from Buffer's shared pool). */
export const SMALL_WRITE = 4096;

/** The strike kind the error table gives a framing error (oversized, undecodable, flood, protocol), else undefined. */
export function violationKind(err: unknown): StrikeKind | undefined {
  return strikeKindOf(err);
}
