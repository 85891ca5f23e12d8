import '../p2p/codes.ts';
import { MurmurError } from '../errors/index.ts';
import { FRAME_NODE_BUDGET_BYTES, FRAME_PEER_BUDGET_BYTES } from './constants.ts';

/** One stream's share of a FrameBudget (what a StreamChannel is given). */
export interface FrameReservation {
  /**
   * Reserves `n` more bytes for this stream's unfinished message; returns the error (nothing
   * reserved) when the peer's or the node's budget would be exceeded.
   */
  reserve(n: number): MurmurError | undefined;
  /** Gives back `n` reserved bytes. */
  release(n: number): void;
  /**
   * Whether a violation with this code starts a new incident of the peer (strike it) or repeats one
   * (its streams failing together: do not strike again). An incident lasts until the peer holds
   * nothing any more.
   */
  incident(code: string): boolean;
}

export interface FrameBudgetOptions {
  /** Bytes one peer may hold across its streams (default FRAME_PEER_BUDGET_BYTES). */
  peerBytes?: number;
  /** Bytes all peers together may hold (default FRAME_NODE_BUDGET_BYTES). */
  nodeBytes?: number;
}

/**
 * The bytes peers hold in the node in unfinished messages (partial frames), per peer and in all.
 * A stream channel reserves a frame's announced length when its prefix arrives and releases it when
 * the frame completes or the stream ends, so however many streams a peer opens and leaves half-fed,
 * it holds at most its share, and all peers together at most the node's.
 */
export class FrameBudget {
  readonly #peerBytes: number;
  readonly #nodeBytes: number;
  readonly #byPeer = new Map<string, number>();
  /** Violation codes already struck per peer, forgotten when the peer holds nothing any more. */
  readonly #incidents = new Map<string, Set<string>>();
  #held = 0;

  constructor(options: FrameBudgetOptions = {}) {
    this.#peerBytes = options.peerBytes ?? FRAME_PEER_BUDGET_BYTES;
    this.#nodeBytes = options.nodeBytes ?? FRAME_NODE_BUDGET_BYTES;
  }

  /** Bytes reserved now, by all peers. */
  get held(): number {
    return this.#held;
  }

  /** Bytes reserved now by one peer. */
  heldBy(peerId: string): number {
    return this.#byPeer.get(peerId) ?? 0;
  }

  /** Reserves `n` bytes for `peerId`, or returns why not (MURMUR_FRAME_BUDGET / _NODE_BUSY). */
  reserve(peerId: string, n: number): MurmurError | undefined {
    const mine = this.heldBy(peerId);
    if (mine + n > this.#peerBytes) {
      return new MurmurError(
        'MURMUR_FRAME_BUDGET',
        `peer would hold ${mine + n} bytes of unfinished messages, over its ${this.#peerBytes}`,
        { details: { peerId, held: mine, wanted: n, max: this.#peerBytes } },
      );
    }
    if (this.#held + n > this.#nodeBytes) {
      return new MurmurError(
        'MURMUR_FRAME_NODE_BUSY',
        `peers would hold ${this.#held + n} bytes of unfinished messages, over the node's ${this.#nodeBytes}`,
        { details: { peerId, held: this.#held, wanted: n, max: this.#nodeBytes } },
      );
    }
    this.#byPeer.set(peerId, mine + n);
    this.#held += n;
    return undefined;
  }

  release(peerId: string, n: number): void {
    const mine = this.heldBy(peerId);
    const give = Math.min(n, mine);
    if (mine - give <= 0) {
      this.#byPeer.delete(peerId);
      this.#incidents.delete(peerId);
    } else this.#byPeer.set(peerId, mine - give);
    this.#held -= give;
  }

  /** See FrameReservation.incident. */
  incident(peerId: string, code: string): boolean {
    let seen = this.#incidents.get(peerId);
    if (seen?.has(code) === true) return false;
    if (this.heldBy(peerId) === 0) return true; // nothing held: nothing to tie a repeat to
    if (seen === undefined) {
      seen = new Set();
      this.#incidents.set(peerId, seen);
    }
    seen.add(code);
    return true;
  }

  /** One stream's handle on the budget, charged to `peerId`. */
  forPeer(peerId: string): FrameReservation {
    return {
      reserve: (n) => this.reserve(peerId, n),
      release: (n) => this.release(peerId, n),
      incident: (code) => this.incident(peerId, code),
    };
  }
}
