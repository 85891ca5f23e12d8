import { EventEmitter } from 'node:events';
import type { AbstractLevel } from 'abstract-level';
import { Registry } from 'prom-client';
import { MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { ServiceContext, ServiceEvents, ServicePeer } from '../service/context.ts';
import type { FrameChannel } from '../streamer/channel.ts';
import type { SimNetwork } from './network.ts';
import type { SimOverlayNode } from './overlay-node.ts';

const OPEN = 0;
const DATA = 1;
const CLOSE = 2;
const FROM_DIALER = 0x10;
const DEFAULT_MAX = 1024 * 1024 + 1024;

type Handler = Parameters<ServiceContext['handle']>[1];

/** One end of a bus stream: frames in order (the bus keeps order with zero jitter). */
class BusChannel implements FrameChannel {
  readonly #inbox: Uint8Array[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;
  #remoteDone = false;
  readonly #sendRaw: (kind: number, frame: Uint8Array) => void;
  readonly #max: number;
  readonly #onViolation: () => void;

  constructor(sendRaw: (kind: number, frame: Uint8Array) => void, max: number, onViolation: () => void) {
    this.#sendRaw = sendRaw;
    this.#max = max;
    this.#onViolation = onViolation;
  }

  async send(frame: Uint8Array): Promise<void> {
    if (this.#closed || this.#remoteDone) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'channel closed');
    this.#sendRaw(DATA, frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sendRaw(CLOSE, new Uint8Array(0));
    this.#wake();
  }

  push(frame: Uint8Array): void {
    if (this.#closed) return;
    if (frame.length > this.#max) {
      this.#onViolation();
      this.close();
      return;
    }
    this.#inbox.push(frame);
    this.#wake();
  }

  remoteClosed(): void {
    this.#remoteDone = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.#inbox.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#closed || this.#remoteDone) return;
      await new Promise<void>((r) => {
        this.#waiter = r;
      });
    }
  }
}

export interface SimServiceContextOptions {
  network: SimNetwork;
  node: SimOverlayNode;
  store: AbstractLevel<string | Uint8Array, string | Uint8Array, Uint8Array>;
  logger?: Logger;
  metrics?: Registry;
}

/**
 * A ServiceContext for the in-process simulator: protocols are streams multiplexed over the
 * SimNetwork bus (`svc<protocol>` messages: kind ‖ stream id ‖ frame), peers and depth come from the
 * SimOverlayNode's Kademlia, events from its peer book. Messages travel on the virtual clock: drive it
 * (e.g. `network.clock.advance(1)` in a loop) while services run; use jitter 0 so frames keep order
 * and loss 0 (streams have no retransmission). No LAN.
 */
export function simServiceContext(options: SimServiceContextOptions): ServiceContext & { strikes: string[] } {
  const { network, node } = options;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const strikes: string[] = [];
  const streams = new Map<string, BusChannel>();
  let nextId = 1;
  const servicePeer = (peerId: string, overlay: Uint8Array): ServicePeer => ({
    peerId,
    overlay,
    po: node.kad.po(overlay),
  });
  const emit = <E extends keyof ServiceEvents>(e: E, d: ServiceEvents[E]): void => {
    events.emit(e, d);
  };
  node.book.on('state', (info) => {
    if (info.state === 'active') {
      const p = node.kad.connectedPeers().find((x) => x.peerId === info.peerId);
      if (p !== undefined) emit('peer:active', servicePeer(p.peerId, p.overlay));
    } else {
      emit('peer:inactive', { peerId: info.peerId });
    }
  });
  node.kad.on('depth', ({ depth }) => emit('depth', { depth }));

  const frameOf = (kind: number, id: number, frame: Uint8Array): Uint8Array => {
    const out = new Uint8Array(5 + frame.length);
    out[0] = kind;
    new DataView(out.buffer).setUint32(1, id);
    out.set(frame, 5);
    return out;
  };
  /** `dialer`: this end opened the stream; its frames carry FROM_DIALER so the remote can tell. */
  const channel = (peer: string, protocol: string, id: number, dialer: boolean, max: number): BusChannel => {
    const key = `${protocol}|${peer}|${id}|${dialer ? 'out' : 'in'}`;
    const ch = new BusChannel(
      (kind, frame) => {
        if (kind === CLOSE) streams.delete(key);
        const k = dialer ? kind | FROM_DIALER : kind;
        network.send(node.id, peer, `svc${protocol}`, frameOf(k, id, frame));
      },
      max,
      () => {
        strikes.push(`${peer}:oversized`);
        node.book.misbehaved(peer, 'oversized');
      },
    );
    streams.set(key, ch);
    return ch;
  };
  const listen = (protocol: string): void => {
    network.handle(node.id, `svc${protocol}`, (from, payload) => {
      if (payload.length < 5) return;
      const raw = payload[0]!;
      const kind = raw & ~FROM_DIALER;
      const id = new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(1);
      if (kind === OPEN) {
        onOpen(protocol, from, id);
        return;
      }
      // frames from the remote's dialled stream go to our inbound end, others to our outbound end
      const ch = streams.get(`${protocol}|${from}|${id}|${(raw & FROM_DIALER) !== 0 ? 'in' : 'out'}`);
      if (ch === undefined) return;
      if (kind === DATA) ch.push(payload.slice(5));
      else if (kind === CLOSE) ch.remoteClosed();
    });
  };
  const handled = new Map<string, { handler: Handler; max: number }>();
  const dialled = new Set<string>();

  const ctx: ServiceContext & { strikes: string[] } = {
    strikes,
    peerId: node.id,
    overlay: node.overlay,
    networkId: 'sim',
    logger: options.logger ?? silentLogger,
    metrics: options.metrics ?? new Registry(),
    store: options.store,
    lan: undefined,
    async handle(protocol, handler, opts = {}) {
      handled.set(protocol, { handler, max: opts.maxMessageBytes ?? DEFAULT_MAX });
      if (dialled.has(protocol)) return; // the listener already routes both directions
      dialled.add(protocol);
      listen(protocol);
    },
    async dial(peerId, protocol, opts = {}) {
      if (!node.kad.isConnected(peerId) || !network.isUp(peerId)) {
        throw new MurmurError('MURMUR_PEER_NOT_ACTIVE', `${peerId} is not an active peer`);
      }
      if (!dialled.has(protocol)) {
        dialled.add(protocol);
        listen(protocol);
      }
      const id = nextId++;
      const ch = channel(peerId, protocol, id, true, opts.maxMessageBytes ?? DEFAULT_MAX);
      network.send(node.id, peerId, `svc${protocol}`, frameOf(OPEN | FROM_DIALER, id, new Uint8Array(0)));
      return ch;
    },
    strike(peerId, kind) {
      strikes.push(`${peerId}:${kind}`);
      node.book.misbehaved(peerId, kind);
    },
    peers: () => node.kad.connectedPeers().map((p) => servicePeer(p.peerId, p.overlay)),
    depth: () => node.kad.depth,
    on: (event, listener) => {
      events.on(event, listener);
      return () => {
        events.off(event, listener);
      };
    },
    off: (event, listener) => {
      events.off(event, listener);
    },
  };

  function onOpen(protocol: string, from: string, id: number): void {
    const h = handled.get(protocol);
    const p = node.kad.connectedPeers().find((x) => x.peerId === from);
    if (h === undefined || p === undefined) {
      network.send(node.id, from, `svc${protocol}`, frameOf(CLOSE, id, new Uint8Array(0)));
      return;
    }
    const ch = channel(from, protocol, id, false, h.max);
    Promise.resolve()
      .then(() => h.handler(ch, servicePeer(p.peerId, p.overlay)))
      .catch(() => ch.close());
  }

  return ctx;
}
