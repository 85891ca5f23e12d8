import { EventEmitter } from 'node:events';
import { bytesEqual } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import { isAddress, proximity, toHex } from './address.ts';
import {
  BIN_COUNT,
  DEFAULT_GOSSIP_LIMIT,
  DEFAULT_GOSSIP_PER_BIN,
  DEFAULT_LOW_WATERMARK,
  DEFAULT_MAX_KNOWN_PER_BIN,
  DEFAULT_SATURATION,
  MAX_PO,
} from './constants.ts';
import type { KademliaEvents, KademliaOptions, KademliaSnapshot, OverlayPeer } from './types.ts';

interface Entry {
  peer: OverlayPeer;
  po: number;
}

/**
 * Neighbourhood depth from connected peers per bin (bee's rule, with saturation):
 * the shallowest unsaturated bin, but never deeper than the deepest bin that still leaves at least
 * `lowWatermark` connected peers at or deeper than it. With `lowWatermark` or fewer peers: 0.
 */
export function computeDepth(
  connectedPerBin: readonly number[],
  saturation: number,
  lowWatermark: number,
): number {
  let total = 0;
  for (const n of connectedPerBin) total += n;
  if (total <= lowWatermark) return 0;
  let candidate = 0;
  let count = 0;
  for (let b = MAX_PO; b >= 0; b--) {
    count += connectedPerBin[b] ?? 0;
    if (count >= lowWatermark) {
      candidate = b;
      break;
    }
  }
  let shallowestUnsaturated = BIN_COUNT;
  for (let b = 0; b < BIN_COUNT; b++) {
    if ((connectedPerBin[b] ?? 0) < saturation) {
      shallowestUnsaturated = b;
      break;
    }
  }
  return Math.min(candidate, shallowestUnsaturated);
}

/**
 * The Kademlia table of one node: known peers and connected peers by proximity bin, neighbourhood
 * depth, dial suggestions and hive (peer exchange) selection. Pure logic: the caller reports
 * connections and performs dials.
 */
export class Kademlia extends EventEmitter<KademliaEvents> {
  readonly base: Uint8Array;
  readonly saturation: number;
  readonly lowWatermark: number;
  readonly #gossipLimit: number;
  readonly #gossipPerBin: number;
  readonly #maxKnownPerBin: number;
  readonly #known = new Map<string, Entry>();
  readonly #knownBins: Map<string, Entry>[] = [];
  readonly #connectedBins: Set<string>[] = [];
  #depth = 0;

  constructor(options: KademliaOptions) {
    super();
    if (!isAddress(options.base)) {
      throw new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', 'base overlay address must be 32 bytes');
    }
    this.base = options.base;
    this.saturation = positive(options.saturation, DEFAULT_SATURATION, 'saturation');
    this.lowWatermark = positive(options.lowWatermark, DEFAULT_LOW_WATERMARK, 'lowWatermark');
    this.#gossipLimit = positive(options.gossipLimit, DEFAULT_GOSSIP_LIMIT, 'gossipLimit');
    this.#gossipPerBin = positive(options.gossipPerBin, DEFAULT_GOSSIP_PER_BIN, 'gossipPerBin');
    this.#maxKnownPerBin = positive(options.maxKnownPerBin, DEFAULT_MAX_KNOWN_PER_BIN, 'maxKnownPerBin');
    for (let b = 0; b < BIN_COUNT; b++) {
      this.#knownBins.push(new Map());
      this.#connectedBins.push(new Set());
    }
  }

  /** Current neighbourhood depth. */
  get depth(): number {
    return this.#depth;
  }

  /** Proximity order of an address to this node. */
  po(overlay: Uint8Array): number {
    return proximity(this.base, overlay);
  }

  /**
   * Records a known peer (from a handshake, hive or discovery). Returns false when it is this node,
   * or the bin is full (maxKnownPerBin). Addresses of an already known peer are refreshed.
   */
  addKnown(peer: OverlayPeer): boolean {
    if (!isAddress(peer.overlay)) {
      throw new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', 'overlay address must be 32 bytes', {
        details: { peerId: peer.peerId },
      });
    }
    const existing = this.#known.get(peer.peerId);
    if (existing !== undefined) {
      if (peer.addresses.length > 0) existing.peer.addresses = [...peer.addresses];
      return true;
    }
    if (bytesEqual(peer.overlay, this.base)) return false;
    const po = this.po(peer.overlay);
    const bin = this.#knownBins[po]!;
    if (bin.size >= this.#maxKnownPerBin) return false;
    const entry: Entry = {
      peer: { peerId: peer.peerId, overlay: peer.overlay, addresses: [...peer.addresses] },
      po,
    };
    this.#known.set(peer.peerId, entry);
    bin.set(peer.peerId, entry);
    return true;
  }

  /** Forgets a peer entirely (disconnecting it in the table if it was connected). */
  removeKnown(peerId: string): void {
    const entry = this.#known.get(peerId);
    if (entry === undefined) return;
    this.#known.delete(peerId);
    this.#knownBins[entry.po]!.delete(peerId);
    if (this.#connectedBins[entry.po]!.delete(peerId)) this.#recalc();
  }

  /** Marks a peer connected (adding it to the known peers if needed). */
  connected(peer: OverlayPeer): void {
    if (!this.#known.has(peer.peerId)) {
      this.#maxKnownBypass(peer);
    } else if (peer.addresses.length > 0) {
      this.#known.get(peer.peerId)!.peer.addresses = [...peer.addresses];
    }
    const entry = this.#known.get(peer.peerId);
    if (entry === undefined) return; // it is this node
    const set = this.#connectedBins[entry.po]!;
    if (set.has(peer.peerId)) return;
    set.add(peer.peerId);
    this.#recalc();
  }

  /** Marks a peer disconnected; it stays known. */
  disconnected(peerId: string): void {
    const entry = this.#known.get(peerId);
    if (entry === undefined) return;
    if (this.#connectedBins[entry.po]!.delete(peerId)) this.#recalc();
  }

  isConnected(peerId: string): boolean {
    const entry = this.#known.get(peerId);
    return entry !== undefined && this.#connectedBins[entry.po]!.has(peerId);
  }

  has(peerId: string): boolean {
    return this.#known.has(peerId);
  }

  get(peerId: string): OverlayPeer | undefined {
    return this.#known.get(peerId)?.peer;
  }

  /** Connected peers per bin 0..31. */
  bins(): number[] {
    return this.#connectedBins.map((s) => s.size);
  }

  /** Known peers (connected or not) per bin 0..31. */
  knownBins(): number[] {
    return this.#knownBins.map((m) => m.size);
  }

  /** A bin is saturated when it has at least `saturation` connected peers. */
  isSaturated(bin: number): boolean {
    return (this.#connectedBins[bin]?.size ?? 0) >= this.saturation;
  }

  connectedPeers(): OverlayPeer[] {
    const out: OverlayPeer[] = [];
    for (const set of this.#connectedBins) for (const id of set) out.push(this.#known.get(id)!.peer);
    return out;
  }

  knownPeers(): OverlayPeer[] {
    return [...this.#known.values()].map((e) => e.peer);
  }

  /** Connected peers at or deeper than depth. */
  neighbourhood(): OverlayPeer[] {
    const out: OverlayPeer[] = [];
    for (let b = this.#depth; b < BIN_COUNT; b++) {
      for (const id of this.#connectedBins[b]!) out.push(this.#known.get(id)!.peer);
    }
    return out;
  }

  /**
   * Peers to dial next, best first, at most `limit` (default 1). First the deficit of each unsaturated
   * bin, shallowest first (peers in `pending`, i.e. dials in flight, count towards it); then, when no
   * bin needs more, every known unconnected peer at or deeper than depth (connect to the whole
   * neighbourhood). Peers for which `exclude` returns true (in backoff, purgatory…) are skipped.
   */
  suggestDial(
    options: { limit?: number; pending?: ReadonlySet<string>; exclude?: (peerId: string) => boolean } = {},
  ): OverlayPeer[] {
    const limit = options.limit ?? 1;
    const pending = options.pending ?? new Set<string>();
    const exclude = options.exclude ?? (() => false);
    const out: OverlayPeer[] = [];
    const dialable = (id: string, b: number): boolean =>
      !this.#connectedBins[b]!.has(id) && !pending.has(id) && !exclude(id);
    for (let b = 0; b < BIN_COUNT && out.length < limit; b++) {
      const known = this.#knownBins[b]!;
      if (known.size === 0) continue;
      let have = this.#connectedBins[b]!.size;
      if (have >= this.saturation) continue;
      if (pending.size > 0) for (const id of known.keys()) if (pending.has(id)) have++;
      let deficit = this.saturation - have;
      if (deficit <= 0) continue;
      for (const [id, entry] of known) {
        if (deficit <= 0 || out.length >= limit) break;
        if (dialable(id, b)) {
          out.push(entry.peer);
          deficit--;
        }
      }
    }
    if (out.length > 0) return out;
    for (let b = this.#depth; b < BIN_COUNT && out.length < limit; b++) {
      for (const [id, entry] of this.#knownBins[b]!) {
        if (out.length >= limit) break;
        if (dialable(id, b)) out.push(entry.peer);
      }
    }
    return out;
  }

  /**
   * Hive selection: known peers useful to the peer at `to`, at most `limit` (default gossipLimit):
   * grouped by their proximity to `to`, deepest group first (its neighbourhood), at most gossipPerBin
   * per group (so its shallow bins get enough to saturate), connected peers before merely known ones.
   * The target itself is never included.
   */
  peersToGossip(to: Uint8Array, options: { limit?: number } = {}): OverlayPeer[] {
    const limit = options.limit ?? this.#gossipLimit;
    const cap = this.#gossipPerBin;
    const groups: OverlayPeer[][] = Array.from({ length: BIN_COUNT }, () => []);
    // Ultrametric shortcut: a peer in our bin b != t (t = po(us, to)) is at po min(b, t) from `to`;
    // only our bin t needs the proximity computed per peer.
    const t = this.po(to);
    const add = (g: number, peer: OverlayPeer): boolean => {
      if (groups[g]!.length >= cap || bytesEqual(peer.overlay, to)) return false;
      groups[g]!.push(peer);
      return true;
    };
    // Bin t first (it fills groups >= t), then the deeper bins (all group t), then the shallower
    // ones, deepest first (bin b fills group b): the groups fill in the order they are output, so
    // the scan stops once `limit` peers are collected (the group contents are those of a full scan).
    let collected = 0;
    const order = [t];
    for (let b = t + 1; b < BIN_COUNT; b++) order.push(b);
    for (let b = t - 1; b >= 0; b--) order.push(b);
    for (const b of order) {
      if (b !== t && collected >= limit) break;
      const fixed = b < t ? b : b > t ? t : -1;
      const before = fixed >= 0 ? groups[fixed]!.length : 0;
      const connected = this.#connectedBins[b]!;
      for (const id of connected) {
        if (fixed >= 0 && groups[fixed]!.length >= cap) break;
        const peer = this.#known.get(id)!.peer;
        if (fixed < 0) {
          if (add(proximity(to, peer.overlay), peer)) collected++;
        } else add(fixed, peer);
      }
      for (const [id, entry] of this.#knownBins[b]!) {
        if (fixed >= 0 && groups[fixed]!.length >= cap) break;
        if (connected.has(id)) continue;
        if (fixed < 0) {
          if (add(proximity(to, entry.peer.overlay), entry.peer)) collected++;
        } else add(fixed, entry.peer);
      }
      if (fixed >= 0) collected += groups[fixed]!.length - before;
    }
    const out: OverlayPeer[] = [];
    for (let b = MAX_PO; b >= 0 && out.length < limit; b--) {
      for (const peer of groups[b]!) {
        if (out.length >= limit) break;
        out.push(peer);
      }
    }
    return out;
  }

  /**
   * Hive announcement: connected peers (other than `peer`) that should hear about a newly connected
   * `peer` because it is likely in their neighbourhood: po(them, peer) >= depth - 1 (bee broadcasts a
   * new peer to its neighbours the same way).
   */
  announceTargets(peer: OverlayPeer): OverlayPeer[] {
    const min = Math.max(0, this.#depth - 1);
    const out: OverlayPeer[] = [];
    for (const set of this.#connectedBins) {
      for (const id of set) {
        if (id === peer.peerId) continue;
        const q = this.#known.get(id)!.peer;
        if (proximity(q.overlay, peer.overlay) >= min) out.push(q);
      }
    }
    return out;
  }

  snapshot(): KademliaSnapshot {
    return {
      base: toHex(this.base),
      depth: this.#depth,
      connected: this.bins(),
      known: this.knownBins(),
      saturation: this.saturation,
    };
  }

  #maxKnownBypass(peer: OverlayPeer): void {
    // a connected peer is always known, even past maxKnownPerBin
    if (!isAddress(peer.overlay)) {
      throw new MurmurError('MURMUR_OVERLAY_BAD_ADDRESS', 'overlay address must be 32 bytes', {
        details: { peerId: peer.peerId },
      });
    }
    if (bytesEqual(peer.overlay, this.base)) return;
    const po = this.po(peer.overlay);
    const entry: Entry = {
      peer: { peerId: peer.peerId, overlay: peer.overlay, addresses: [...peer.addresses] },
      po,
    };
    this.#known.set(peer.peerId, entry);
    this.#knownBins[po]!.set(peer.peerId, entry);
  }

  #recalc(): void {
    const depth = computeDepth(this.bins(), this.saturation, this.lowWatermark);
    if (depth !== this.#depth) {
      const previous = this.#depth;
      this.#depth = depth;
      this.emit('depth', { depth, previous });
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${name} must be positive`, {
      details: { [name]: value },
    });
  }
  return value;
}
