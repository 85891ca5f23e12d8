import '../../streamer/codes.ts';
import '../codes.ts';
import { toHex } from '../../bytes/index.ts';
import { ERROR_CODES, type ErrorCode, isMurmurError, MurmurError } from '../../errors/index.ts';
import { type Logger, silentLogger } from '../../log/index.ts';
import type { FrameChannel } from '../../streamer/channel.ts';
import { BATCH_SIZE, MAX_U64, PRIORITY, QUEUE_CAPACITY } from '../../streamer/constants.ts';
import { PriorityQueue } from '../../streamer/priority.ts';
import { type BodyInit, decode, encode, streamKey } from './session-messages.ts';

/** Bad messages a session takes before it is ended (only the first is reported to the strike policy). */
export const MAX_BAD_MESSAGES = 16;

export interface Stream {
  name: string;
  key: string;
  live: boolean;
}

/** Upstream side of one stream: batches of 32-byte hashes by index, and the data behind a hash. */
export interface Provider {
  /** Up to `limit` items with index in [from, to]; may wait (live) and should not wait long once it has some. */
  batch(
    from: bigint,
    to: bigint,
    limit: number,
    options: { signal: AbortSignal },
  ): Promise<{ hashes: Uint8Array[]; to: bigint }>;
  get(hash: Uint8Array): Promise<Uint8Array | undefined>;
}

/** Downstream side of one subscription. */
export interface Consumer {
  need(hashes: Uint8Array[]): Promise<boolean[]>;
  /** Verify and keep; false = invalid (counted, skipped). */
  deliver(hash: Uint8Array, data: Uint8Array): Promise<boolean>;
  /** Every wanted item of [from, to] arrived: record the interval. */
  synced?(from: bigint, to: bigint): Promise<void>;
  /**
   * The subscription ended without this side unsubscribing: the session closed
   * (`MURMUR_STREAMER_CLOSED`) or the peer refused it (the peer's error code when it is a known one,
   * else `MURMUR_STREAMER_UNKNOWN_STREAM`; the peer's own code is in `details.code`). At most once.
   */
  ended?(err: MurmurError): void;
}

export type ProviderFactory = (peer: string, stream: Stream) => Provider | undefined;

interface Batch {
  from: bigint;
  to: bigint;
  pending: Set<string>;
}
interface Subscription {
  stream: Stream;
  to: bigint;
  consumer: Consumer;
  batches: Batch[];
}

/**
 * One streamer session with a peer over a long-lived channel, both directions: serves the peer's
 * subscriptions from registered providers (offer → want → deliver, batches of ≤ 128 hashes) and runs
 * this node's subscriptions to the peer. Outgoing frames go through bounded priority queues.
 */
export class StreamerSession {
  readonly peer: string;
  readonly stats = { offered: 0, wanted: 0, delivered: 0, invalid: 0, unsolicited: 0, badMessages: 0 };
  readonly #channel: FrameChannel;
  readonly #providers: Record<string, ProviderFactory>;
  readonly #queue: PriorityQueue<Uint8Array>;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #subs = new Map<string, Subscription>();
  readonly #serving = new Map<
    string,
    {
      ac: AbortController;
      ruid: number;
      want?: (w: { bitvector: Uint8Array; nextFrom: bigint; nextTo: bigint }) => void;
    }
  >();
  readonly #stop = new AbortController();
  readonly #onClose: ((session: StreamerSession) => void) | undefined;
  readonly #onBadMessage: ((err: unknown) => void) | undefined;
  #loops: Promise<unknown>[] = [];

  constructor(options: {
    peer: string;
    channel: FrameChannel;
    providers?: Record<string, ProviderFactory>;
    batchSize?: number;
    queueCapacity?: number;
    logger?: Logger;
    /** Called once when the session stops (either side closed, the channel failed, or stop()). */
    onClose?: (session: StreamerSession) => void;
    /** A message from the peer that does not decode (dropped; the caller strikes by the error table). */
    onBadMessage?: (err: unknown) => void;
  }) {
    this.peer = options.peer;
    this.#channel = options.channel;
    this.#providers = options.providers ?? {};
    this.#batchSize = Math.min(options.batchSize ?? BATCH_SIZE, BATCH_SIZE);
    this.#queue = new PriorityQueue({ capacity: options.queueCapacity ?? QUEUE_CAPACITY });
    this.#log = options.logger ?? silentLogger;
    this.#onClose = options.onClose;
    this.#onBadMessage = options.onBadMessage;
  }

  /** True once the session stopped; subscribe() then throws MURMUR_STREAMER_CLOSED. */
  get closed(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Aborts when the session stops. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  start(): void {
    this.#loops = [this.#sendLoop(), this.#receiveLoop()];
  }

  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) {
      this.#stop.abort();
      for (const s of this.#serving.values()) s.ac.abort();
      this.#queue.close();
      this.#channel.close();
      const subs = [...this.#subs.values()];
      this.#subs.clear();
      for (const sub of subs) this.#ended(sub, new MurmurError('MURMUR_STREAMER_CLOSED', 'session closed'));
      try {
        this.#onClose?.(this);
      } catch (err) {
        this.#log.debug({ err }, 'streamer: onClose listener failed');
      }
    }
    await Promise.allSettled(this.#loops);
  }

  #ended(sub: Subscription, err: MurmurError): void {
    try {
      sub.consumer.ended?.(err);
    } catch (e) {
      this.#log.debug({ err: e }, 'streamer: ended listener failed');
    }
  }

  /** Subscribes to a stream of the peer from `from` to `to` (undefined = open-ended, live). */
  async subscribe(
    stream: Stream,
    options: { from: bigint; to?: bigint; priority?: number; consumer: Consumer; ruid?: number },
  ): Promise<void> {
    if (this.closed) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'session closed');
    const to = options.to ?? MAX_U64;
    this.#subs.set(streamKey(stream), { stream, to, consumer: options.consumer, batches: [] });
    const priority = options.priority ?? (stream.live ? PRIORITY.live : PRIORITY.history);
    await this.#send(
      {
        case: 'subscribe',
        value: { stream, from: options.from, to: options.to ?? 0n, priority, ruid: options.ruid ?? 0 },
      },
      priority,
    );
  }

  async unsubscribe(stream: Stream): Promise<void> {
    this.#subs.delete(streamKey(stream));
    await this.#send({ case: 'unsubscribe', value: { stream } }, PRIORITY.retrieval);
  }

  /** Cancels the peer's request with this ruid on our side, and asks the peer to cancel its own. */
  async cancel(ruid: number): Promise<void> {
    for (const s of this.#serving.values()) if (s.ruid === ruid) s.ac.abort();
    await this.#send({ case: 'cancel', value: { ruid } }, PRIORITY.retrieval);
  }

  #send(body: BodyInit, priority: number, signal?: AbortSignal): Promise<void> {
    return this.#queue.enqueue(encode(body), Math.min(Math.max(priority, 0), 2), signal ? { signal } : {});
  }

  async #sendLoop(): Promise<void> {
    try {
      for (;;) await this.#channel.send((await this.#queue.dequeue()).item);
    } catch (err) {
      if (!isMurmurError(err, 'MURMUR_STREAMER_QUEUE_CLOSED'))
        this.#log.debug({ err }, 'streamer: send loop ended');
      void this.stop();
    }
  }

  async #receiveLoop(): Promise<void> {
    try {
      for await (const frame of this.#channel) {
        let body: ReturnType<typeof decode>;
        try {
          body = decode(frame);
        } catch (err) {
          this.stats.badMessages++;
          this.#log.debug({ peer: this.peer, err }, 'streamer: bad message dropped');
          // one incident per session: the first bad message is reported (struck), a session that
          // keeps sending them is ended instead of earning a strike per message
          if (this.stats.badMessages === 1) this.#onBadMessage?.(err);
          if (this.stats.badMessages >= MAX_BAD_MESSAGES) break;
          continue;
        }
        await this.#dispatch(body);
      }
    } catch (err) {
      this.#log.debug({ err }, 'streamer: receive loop ended');
    } finally {
      void this.stop();
    }
  }

  async #dispatch(body: ReturnType<typeof decode>): Promise<void> {
    switch (body.case) {
      case 'subscribe': {
        const v = body.value;
        const stream = v.stream as Stream;
        const provider = this.#providers[stream.name]?.(this.peer, stream);
        if (!provider) {
          await this.#send(
            {
              case: 'error',
              value: { stream, code: 'MURMUR_STREAMER_UNKNOWN_STREAM', message: 'no such stream' },
            },
            PRIORITY.retrieval,
          );
          return;
        }
        const key = streamKey(stream);
        this.#serving.get(key)?.ac.abort();
        const entry = { ac: new AbortController(), ruid: v.ruid };
        this.#serving.set(key, entry);
        void this.#serve(stream, provider, v.from, v.to === 0n ? MAX_U64 : v.to, v.priority, entry).catch(
          (err) => {
            if (!isMurmurError(err, 'MURMUR_ABORTED')) this.#log.debug({ err }, 'streamer: upstream ended');
          },
        );
        return;
      }
      case 'wanted': {
        const s = this.#serving.get(streamKey(body.value.stream as Stream));
        const w = s?.want;
        if (s && w) {
          s.want = undefined;
          w(body.value);
        }
        return;
      }
      case 'offered':
        return this.#onOffered(
          body.value.stream as Stream,
          body.value.from,
          body.value.to,
          body.value.hashes,
        );
      case 'delivery':
        return this.#onDelivery(body.value.stream as Stream, body.value.hash, body.value.data);
      case 'unsubscribe':
        this.#serving.get(streamKey(body.value.stream as Stream))?.ac.abort();
        return;
      case 'cancel':
        for (const s of this.#serving.values())
          if (s.ruid === body.value.ruid && body.value.ruid !== 0) s.ac.abort();
        return;
      case 'error': {
        const key = streamKey(body.value.stream as Stream);
        const sub = this.#subs.get(key);
        if (!sub) return;
        this.#subs.delete(key);
        const remote = body.value.code;
        const code: ErrorCode =
          remote.startsWith('MURMUR_') && remote in ERROR_CODES
            ? (remote as ErrorCode)
            : 'MURMUR_STREAMER_UNKNOWN_STREAM';
        this.#ended(
          sub,
          new MurmurError(code, body.value.message || 'refused by the peer', { details: { code: remote } }),
        );
        return;
      }
    }
  }

  async #serve(
    stream: Stream,
    provider: Provider,
    from: bigint,
    to: bigint,
    priority: number,
    entry: {
      ac: AbortController;
      want?: (w: { bitvector: Uint8Array; nextFrom: bigint; nextTo: bigint }) => void;
    },
  ): Promise<void> {
    const signal = AbortSignal.any([entry.ac.signal, this.#stop.signal]);
    while (!signal.aborted && from <= to) {
      const b = await provider.batch(from, to, this.#batchSize, { signal });
      const hashes = new Uint8Array(b.hashes.length * 32);
      for (const [i, h] of b.hashes.entries()) hashes.set(h, i * 32);
      let onAbort = (): void => {};
      const wanted = new Promise<{ bitvector: Uint8Array; nextFrom: bigint; nextTo: bigint }>(
        (resolve, reject) => {
          entry.want = resolve;
          onAbort = () => reject(new MurmurError('MURMUR_ABORTED'));
          signal.addEventListener('abort', onAbort, { once: true });
        },
      ).finally(() => signal.removeEventListener('abort', onAbort));
      wanted.catch(() => {});
      await this.#send({ case: 'offered', value: { stream, from, to: b.to, hashes } }, priority, signal);
      this.stats.offered += b.hashes.length;
      const w = await wanted;
      for (const [i, h] of b.hashes.entries()) {
        if (((w.bitvector[i >> 3] ?? 0) & (1 << (i & 7))) === 0) continue;
        const data = await provider.get(h);
        if (data) await this.#send({ case: 'delivery', value: { stream, hash: h, data } }, priority, signal);
      }
      if (b.to >= MAX_U64) return;
      from = w.nextFrom > b.to ? w.nextFrom : b.to + 1n;
      to = w.nextTo === 0n ? MAX_U64 : w.nextTo;
    }
  }

  async #onOffered(stream: Stream, from: bigint, to: bigint, hashes: Uint8Array): Promise<void> {
    const sub = this.#subs.get(streamKey(stream));
    if (!sub) return; // not (any longer) subscribed: no wanted message for it
    const list: Uint8Array[] = [];
    for (let i = 0; i < hashes.length; i += 32) list.push(hashes.subarray(i, i + 32));
    const need = list.length ? await sub.consumer.need(list) : [];
    const bitvector = new Uint8Array(Math.ceil(list.length / 8));
    const pending = new Set<string>();
    need.forEach((n, i) => {
      if (!n) return;
      bitvector[i >> 3]! |= 1 << (i & 7);
      pending.add(toHex(list[i]!));
    });
    this.stats.wanted += pending.size;
    const batch = { from, to, pending };
    sub.batches.push(batch);
    await this.#send(
      {
        case: 'wanted',
        value: { stream, bitvector, nextFrom: to + 1n, nextTo: sub.to === MAX_U64 ? 0n : sub.to },
      },
      stream.live ? PRIORITY.live : PRIORITY.history,
    );
    await this.#settle(sub);
  }

  async #onDelivery(stream: Stream, hash: Uint8Array, data: Uint8Array): Promise<void> {
    const sub = this.#subs.get(streamKey(stream));
    const key = toHex(hash);
    const batch = sub?.batches.find((b) => b.pending.has(key));
    if (!sub || !batch) {
      this.stats.unsolicited++;
      return;
    }
    batch.pending.delete(key);
    if (await sub.consumer.deliver(hash, data)) this.stats.delivered++;
    else this.stats.invalid++;
    await this.#settle(sub);
  }

  /** Reports completed batches in order. */
  async #settle(sub: Subscription): Promise<void> {
    while (sub.batches.length > 0 && sub.batches[0]!.pending.size === 0) {
      const b = sub.batches.shift()!;
      await sub.consumer.synced?.(b.from, b.to);
    }
  }
}
