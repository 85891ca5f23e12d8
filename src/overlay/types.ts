/** A peer as the overlay sees it. */
export interface OverlayPeer {
  /** libp2p peer id (or simulator id). */
  peerId: string;
  /** 32-byte overlay address. */
  overlay: Uint8Array;
  /** Multiaddrs (may be empty when unknown). */
  addresses: string[];
}

export interface KademliaOptions {
  /** This node's own 32-byte overlay address. */
  base: Uint8Array;
  /** Connected peers per bin for saturation (default 8). */
  saturation?: number;
  /** Minimum connected peers at or deeper than depth (default 2). */
  lowWatermark?: number;
  /** Peers per hive message at most (default 64). */
  gossipLimit?: number;
  /** Peers per target bin offered for shallow bins (default 8). */
  gossipPerBin?: number;
  /** Known peers kept at most per bin (default DEFAULT_MAX_KNOWN_PER_BIN, 64; connected peers always kept). */
  maxKnownPerBin?: number;
}

/** Events of the overlay. */
export interface KademliaEvents {
  /** Neighbourhood depth changed. */
  depth: [{ depth: number; previous: number }];
}

/** A snapshot of the overlay for status displays. */
export interface KademliaSnapshot {
  base: string;
  depth: number;
  /** Connected peers per bin 0..31. */
  connected: number[];
  /** Known peers per bin 0..31 (connected or not). */
  known: number[];
  saturation: number;
}
