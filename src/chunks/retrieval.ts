import { setTimeout as sleep } from 'node:timers/promises';
import { MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { ServiceContext, ServicePeer } from '../service/context.ts';
import { FrameReader } from '../streamer/channel.ts';
import { equalBytes, hex, isValidChunk, validSize } from './chunk.ts';
import { ADDRESS_SIZE, MAX_CHUNK_DATA } from './constants.ts';
import type { ChunkStore } from './store.ts';

/** libp2p protocol of chunk retrieval. */
export const RETRIEVAL_PROTOCOL = '/murmur/retrieval/1.0.0';
/** Hops a request may travel at most. */
export const RETRIEVAL_MAX_HOPS = 8;
/** Overlay addresses a request may ask to skip. */
export const RETRIEVAL_MAX_SKIP = 16;
/** Time one forwarding attempt may take (ms). */
export const RETRIEVAL_TIMEOUT_MS = 10_000;
/**
 * Attempts before giving up: peers are tried closest first; when fewer peers than attempts are
 * known, one whose attempt failed in transit (timeout, reset stream) is asked again.
 */
export const RETRIEVAL_ATTEMPTS = 3;
/** Wait before asking a peer again after its attempt failed in transit (ms, times the retry count). */
export const RETRIEVAL_RETRY_MS = 250;
/** Largest retrieval message (a delivery: type + chunk data). */
export const RETRIEVAL_MAX_MESSAGE = 1 + MAX_CHUNK_DATA + 64;

const T_REQUEST = 1;
const T_DELIVERY = 2;
const T_NOT_FOUND = 3;

export interface RetrievalRequest {
  address: Uint8Array;
  /** Hops left after this one (0 = do not forward). */
  hops: number;
  /** Overlay addresses not to forward to (already on the path). */
  skip: Uint8Array[];
}

export type RetrievalMessage =
  | ({ type: 'request' } & RetrievalRequest)
  | { type: 'delivery'; data: Uint8Array }
  | { type: 'not-found' };

const bad = (why: string): MurmurError => new MurmurError('MURMUR_CHUNKS_BAD_MESSAGE', `retrieval: ${why}`);

/**
 * Wire format (one frame each):
 *   request   = 0x01 ‖ address (32) ‖ hops (u8) ‖ n (u8) ‖ n × overlay (32)
 *   delivery  = 0x02 ‖ chunk data (8..4104)
 *   not-found = 0x03
 */
export function encodeRetrieval(msg: RetrievalMessage): Uint8Array {
  if (msg.type === 'not-found') return Uint8Array.of(T_NOT_FOUND);
  if (msg.type === 'delivery') {
    const out = new Uint8Array(1 + msg.data.length);
    out[0] = T_DELIVERY;
    out.set(msg.data, 1);
    return out;
  }
  const skip = msg.skip.slice(0, RETRIEVAL_MAX_SKIP);
  const out = new Uint8Array(1 + ADDRESS_SIZE + 2 + skip.length * ADDRESS_SIZE);
  out[0] = T_REQUEST;
  out.set(msg.address, 1);
  out[1 + ADDRESS_SIZE] = Math.max(0, Math.min(msg.hops, RETRIEVAL_MAX_HOPS));
  out[2 + ADDRESS_SIZE] = skip.length;
  skip.forEach((s, i) => {
    out.set(s, 3 + ADDRESS_SIZE + i * ADDRESS_SIZE);
  });
  return out;
}

/** Decodes a retrieval message; MURMUR_CHUNKS_MESSAGE_TOO_LARGE / MURMUR_CHUNKS_BAD_MESSAGE on junk. */
export function decodeRetrieval(bytes: Uint8Array): RetrievalMessage {
  if (bytes.length > RETRIEVAL_MAX_MESSAGE) {
    throw new MurmurError('MURMUR_CHUNKS_MESSAGE_TOO_LARGE', 'retrieval message over its cap');
  }
  const type = bytes[0];
  if (type === T_NOT_FOUND) {
    if (bytes.length !== 1) throw bad('trailing bytes');
    return { type: 'not-found' };
  }
  if (type === T_DELIVERY) {
    const data = bytes.slice(1);
    if (!validSize(data)) throw bad('chunk size out of range');
    return { type: 'delivery', data };
  }
  if (type !== T_REQUEST) throw bad('unknown message type');
  if (bytes.length < 3 + ADDRESS_SIZE) throw bad('short request');
  const hops = bytes[1 + ADDRESS_SIZE]!;
  const n = bytes[2 + ADDRESS_SIZE]!;
  if (hops > RETRIEVAL_MAX_HOPS) throw bad('too many hops');
  if (n > RETRIEVAL_MAX_SKIP) throw bad('skip list too long');
  if (bytes.length !== 3 + ADDRESS_SIZE + n * ADDRESS_SIZE) throw bad('request length');
  const skip: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const at = 3 + ADDRESS_SIZE + i * ADDRESS_SIZE;
    skip.push(bytes.slice(at, at + ADDRESS_SIZE));
  }
  return { type: 'request', address: bytes.slice(1, 1 + ADDRESS_SIZE), hops, skip };
}

/** XOR distance comparison: negative when a is closer to target than b. */
export function closer(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ (target[i] ?? 0);
    const db = (b[i] ?? 0) ^ (target[i] ?? 0);
    if (da !== db) return da - db;
  }
  return 0;
}

export interface RetrievalStats {
  requests: number;
  served: number;
  forwarded: number;
  notFound: number;
  invalid: number;
}

export interface RetrievalOptions {
  ctx: ServiceContext;
  store: ChunkStore;
  logger?: Logger;
  timeoutMs?: number;
  attempts?: number;
  hops?: number;
}

/**
 * Chunk retrieval: a request for an address goes to the closest active peer (XOR distance), which
 * answers from its store or forwards it (hop limit, skip list of the path, per-attempt timeout),
 * trying the next closest peer when one fails. Deliveries are verified at every hop and cached.
 */
export class Retrieval {
  readonly stats: RetrievalStats = { requests: 0, served: 0, forwarded: 0, notFound: 0, invalid: 0 };
  readonly #o: RetrievalOptions;
  readonly #log: Logger;
  readonly #inflight = new Map<string, Promise<Uint8Array | undefined>>();

  constructor(options: RetrievalOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    await this.#o.ctx.handle(RETRIEVAL_PROTOCOL, (ch, peer) => this.#serve(ch, peer), {
      maxMessageBytes: RETRIEVAL_MAX_MESSAGE,
      idleTimeoutMs: (this.#o.timeoutMs ?? RETRIEVAL_TIMEOUT_MS) * 2,
    });
  }

  /** Local store first, then the network; verified. undefined when nobody had it. */
  async get(address: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
    const local = await this.#o.store.get(address);
    if (local !== undefined) return local;
    return this.fetch(address, { signal: options.signal, hops: this.#o.hops ?? RETRIEVAL_MAX_HOPS });
  }

  /** Asks the network (no local lookup); concurrent asks for one address share the request. */
  fetch(
    address: Uint8Array,
    options: { signal?: AbortSignal | undefined; hops: number; skip?: Uint8Array[]; exclude?: string },
  ): Promise<Uint8Array | undefined> {
    const key = hex(address);
    const running = this.#inflight.get(key);
    if (running !== undefined && options.skip === undefined) return running;
    const p = this.#fetch(address, options).finally(() => {
      if (this.#inflight.get(key) === p) this.#inflight.delete(key);
    });
    if (options.skip === undefined) this.#inflight.set(key, p);
    return p;
  }

  async #fetch(
    address: Uint8Array,
    options: { signal?: AbortSignal | undefined; hops: number; skip?: Uint8Array[]; exclude?: string },
  ): Promise<Uint8Array | undefined> {
    const { ctx } = this.#o;
    const skip = [...(options.skip ?? []), ctx.overlay];
    const candidates = ctx
      .peers()
      .filter((p) => p.peerId !== options.exclude && !skip.some((s) => equalBytes(s, p.overlay)))
      .sort((a, b) => closer(address, a.overlay, b.overlay));
    const attempts = this.#o.attempts ?? RETRIEVAL_ATTEMPTS;
    /** Peers whose attempt failed in transit (not those that answered not-found or misbehaved). */
    const failed: ServicePeer[] = [];
    for (let n = 0; n < attempts; n++) {
      if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'retrieval aborted');
      let peer = candidates[n];
      if (peer === undefined) {
        // fewer peers than attempts: ask one that failed in transit again, after a pause
        peer = failed.shift();
        if (peer === undefined) break;
        await sleep(RETRIEVAL_RETRY_MS * (n - candidates.length + 1), undefined, {
          signal: options.signal,
        }).catch(() => {}); // an abort ends the pause early
        if (options.signal?.aborted) throw new MurmurError('MURMUR_ABORTED', 'retrieval aborted');
      }
      let data: Uint8Array | undefined;
      try {
        data = await this.#ask(peer, address, options.hops, skip, options.signal);
      } catch (err) {
        this.#log.debug({ peer: peer.peerId, err }, 'retrieval attempt failed');
        failed.push(peer);
        continue;
      }
      if (data !== undefined) {
        await this.#o.store.put({ address, data }, { verify: false }).catch(() => {});
        return data;
      }
    }
    return undefined;
  }

  async #ask(
    peer: ServicePeer,
    address: Uint8Array,
    hops: number,
    skip: Uint8Array[],
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array | undefined> {
    const timeoutMs = this.#o.timeoutMs ?? RETRIEVAL_TIMEOUT_MS;
    const signals = [AbortSignal.timeout(timeoutMs * Math.max(1, hops))];
    if (signal !== undefined) signals.push(signal);
    const sig = AbortSignal.any(signals);
    const ch = await this.#o.ctx.dial(peer.peerId, RETRIEVAL_PROTOCOL, {
      signal: sig,
      maxMessageBytes: RETRIEVAL_MAX_MESSAGE,
    });
    try {
      await ch.send(encodeRetrieval({ type: 'request', address, hops, skip }), { signal: sig });
      this.stats.forwarded++;
      const reply = decodeRetrieval(await new FrameReader(ch).next({ signal: sig }));
      if (reply.type === 'not-found') return undefined;
      if (reply.type !== 'delivery') {
        this.#o.ctx.strike(peer.peerId, 'retrieval-protocol');
        return undefined;
      }
      if (!isValidChunk(address, reply.data)) {
        this.stats.invalid++;
        this.#o.ctx.strike(peer.peerId, 'invalid-chunk');
        return undefined;
      }
      return reply.data;
    } finally {
      ch.close();
    }
  }

  async #serve(ch: Parameters<Parameters<ServiceContext['handle']>[1]>[0], peer: ServicePeer): Promise<void> {
    try {
      const msg = decodeRetrieval(await new FrameReader(ch).next({ timeoutMs: RETRIEVAL_TIMEOUT_MS }));
      if (msg.type !== 'request') {
        this.#o.ctx.strike(peer.peerId, 'retrieval-protocol');
        return;
      }
      this.stats.requests++;
      let data = await this.#o.store.get(msg.address);
      if (data === undefined && msg.hops > 0) {
        data = await this.fetch(msg.address, {
          hops: msg.hops - 1,
          skip: [...msg.skip, peer.overlay],
          exclude: peer.peerId,
        });
      }
      if (data === undefined) {
        this.stats.notFound++;
        await ch.send(encodeRetrieval({ type: 'not-found' }));
      } else {
        this.stats.served++;
        await ch.send(encodeRetrieval({ type: 'delivery', data }));
      }
    } catch (err) {
      if ((err as MurmurError).code === 'MURMUR_CHUNKS_BAD_MESSAGE') {
        this.#o.ctx.strike(peer.peerId, 'retrieval-undecodable');
      }
      this.#log.debug({ peer: peer.peerId, err }, 'retrieval: request failed');
    } finally {
      ch.close();
    }
  }
}
