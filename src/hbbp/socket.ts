/** HBBP over UDP6: `send()` one datagram, `listen()` for datagrams on a port / interface. */
import dgram from 'node:dgram';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { HBBP_GROUP, HBBP_MAX_DATAGRAM, HBBP_PORT } from './constants.ts';
import { decodeDatagram, encodeDatagram } from './datagram.ts';
import type { KeyRing } from './keyring.ts';
import { RateLimiter, type RateLimitOptions } from './ratelimit.ts';
import { openEnvelope, ReplayGuard, sealDatagram } from './seal.ts';

export interface SendOptions {
  /** Interface to send on (`ff02::1%iface`); may be '' when `address` is a unicast address. */
  iface: string;
  key: string;
  payload?: Uint8Array;
  port?: number;
  /** Destination; default `ff02::1%<iface>`. Tests may pass '::1'. */
  address?: string;
  /** Encrypt with the key set found for `key` (none found: sent in clear). */
  keyring?: KeyRing;
  signal?: AbortSignal;
}

/** Builds the bytes `send()` would put on the wire (validates key and size). */
export function buildDatagram(key: string, payload: Uint8Array, keyring?: KeyRing): Uint8Array {
  const set = keyring?.lookup(key);
  return set ? sealDatagram(key, payload, set) : encodeDatagram(key, payload);
}

/** Sends one datagram; throws MURMUR_HBBP_BAD_KEY / MURMUR_HBBP_TOO_LARGE before anything is sent. */
export async function send(opts: SendOptions): Promise<void> {
  throwIfAborted(opts.signal);
  const bytes = buildDatagram(opts.key, opts.payload ?? new Uint8Array(0), opts.keyring);
  const port = opts.port ?? HBBP_PORT;
  if (!opts.address && !opts.iface) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'send needs an interface or an address');
  }
  const address = opts.address ?? `${HBBP_GROUP}%${opts.iface}`;
  const sock = dgram.createSocket({ type: 'udp6' });
  const onAbort = (): void => {
    sock.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, () => {
        try {
          if (opts.iface && address.toLowerCase().startsWith('ff'))
            sock.setMulticastInterface(`::%${opts.iface}`);
        } catch (err) {
          reject(err);
          return;
        }
        resolve();
      });
    });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    throwIfAborted(opts.signal);
    await new Promise<void>((resolve, reject) => {
      sock.send(bytes, port, address, (err) => (err ? reject(err) : resolve()));
    });
  } catch (cause) {
    if (cause instanceof MurmurError) throw cause;
    throwIfAborted(opts.signal);
    throw new MurmurError('MURMUR_IO', `cannot send to [${address}]:${port}: ${(cause as Error).message}`, {
      cause,
      details: { address, port },
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    try {
      sock.close();
    } catch {
      // already closed by abort
    }
  }
}

export interface HbbpReceived {
  key: string;
  payload: Uint8Array;
  from: { address: string; port: number };
  /** True when the datagram was encrypted and authenticated. */
  authenticated: boolean;
}

export type DropReason =
  | 'too_large'
  | 'bad_key'
  | 'rate'
  | 'auth'
  | 'replay'
  | 'no_key'
  | 'iface'
  | 'plaintext';

export interface ListenOptions {
  /** Join ff02::1 on this interface and accept only datagrams that arrived on it. */
  iface?: string;
  port?: number;
  /**
   * Address to bind, default `::` (multicast and unicast; with an iface, datagrams whose scoped sender
   * address names another interface are dropped). `ff02::1%<iface>` makes the kernel filter by device.
   */
  address?: string;
  onMessage: (msg: HbbpReceived) => void | Promise<void>;
  /** Called for each dropped datagram (after counting it). */
  onDrop?: (
    reason: DropReason,
    info: { from: { address: string; port: number }; key?: string; error?: unknown },
  ) => void;
  keyring?: KeyRing;
  /** With a keyring: also drop clear datagrams for keys that have no key set (default false). */
  requireEncryption?: boolean;
  /** Replay window (ms, default 60 000). */
  replayWindowMs?: number;
  rateLimit?: RateLimitOptions;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface HbbpListener {
  close(): Promise<void>;
  /** Counters: received, delivered, dropped_<reason>, handler_errors (onMessage threw or rejected). */
  stats(): Record<ListenerStatName, number>;
  address(): { address: string; port: number; family: string };
}

const STAT_NAMES = [
  'received',
  'delivered',
  'dropped_too_large',
  'dropped_bad_key',
  'dropped_rate',
  'dropped_auth',
  'dropped_replay',
  'dropped_no_key',
  'dropped_iface',
  'dropped_plaintext',
  'handler_errors',
] as const;
export type ListenerStatName = (typeof STAT_NAMES)[number];

/** Binds a UDP6 socket (reuseAddr) and delivers each valid datagram to `onMessage`. */
export async function listen(opts: ListenOptions): Promise<HbbpListener> {
  throwIfAborted(opts.signal);
  const log = (opts.logger ?? silentLogger).child({ module: 'hbbp' });
  const port = opts.port ?? HBBP_PORT;
  const bindAddr = opts.address ?? '::';
  const stats = Object.fromEntries(STAT_NAMES.map((n) => [n, 0])) as Record<ListenerStatName, number>;
  const limiter = new RateLimiter(opts.rateLimit);
  const replay = new ReplayGuard({ windowMs: opts.replayWindowMs });
  const sock = dgram.createSocket({ type: 'udp6', reuseAddr: true });

  const drop = (
    reason: DropReason,
    from: { address: string; port: number },
    key?: string,
    error?: unknown,
  ): void => {
    stats[`dropped_${reason}`]++;
    log.debug(
      { reason, from: from.address, key, code: (error as MurmurError | undefined)?.code },
      'hbbp drop',
    );
    try {
      opts.onDrop?.(reason, { from, key, error });
    } catch (err) {
      log.warn({ err }, 'hbbp onDrop callback threw');
    }
  };

  const onDatagram = (buf: Buffer, rinfo: dgram.RemoteInfo): void => {
    stats.received++;
    const from = { address: rinfo.address, port: rinfo.port };
    if (opts.iface && !arrivedOn(rinfo.address, opts.iface)) {
      drop('iface', from);
      return;
    }
    if (buf.length > HBBP_MAX_DATAGRAM) {
      drop('too_large', from);
      return;
    }
    if (!limiter.take(rinfo.address)) {
      drop('rate', from);
      return;
    }
    let msg: { key: string; payload: Uint8Array };
    try {
      msg = decodeDatagram(buf);
    } catch (err) {
      drop('bad_key', from, undefined, err);
      return;
    }
    let authenticated = false;
    const set = opts.keyring?.lookup(msg.key);
    if (set) {
      try {
        const opened = openEnvelope(msg.key, msg.payload, set);
        replay.check(opened);
        msg = { key: msg.key, payload: opened.payload };
        authenticated = true;
      } catch (err) {
        const code = (err as MurmurError).code;
        const reason =
          code === 'MURMUR_HBBP_REPLAY' ? 'replay' : code === 'MURMUR_HBBP_KEYFILE' ? 'no_key' : 'auth';
        drop(reason, from, msg.key, err);
        return;
      }
    } else if (opts.keyring && opts.requireEncryption) {
      drop('plaintext', from, msg.key);
      return;
    }
    stats.delivered++;
    const fail = (err: unknown): void => {
      stats.handler_errors++;
      log.warn({ err, key: msg.key }, 'hbbp onMessage failed');
    };
    try {
      const r = opts.onMessage({ key: msg.key, payload: new Uint8Array(msg.payload), from, authenticated });
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(fail);
    } catch (err) {
      fail(err);
    }
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(
        new MurmurError('MURMUR_IO', `cannot bind UDP [${bindAddr}]:${port}: ${err.message}`, { cause: err }),
      );
    sock.once('error', onError);
    sock.bind({ port, address: bindAddr, exclusive: false }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
  if (opts.iface) {
    try {
      sock.addMembership(HBBP_GROUP, `::%${opts.iface}`);
    } catch (err) {
      // ff02::1 is joined by the kernel on every multicast interface; a failure here is not fatal.
      log.debug({ err, iface: opts.iface }, 'hbbp addMembership failed');
    }
  }
  const bound = sock.address();
  sock.on('error', (err) => log.warn({ err }, 'hbbp socket error'));
  sock.on('message', onDatagram);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return closed;
  };
  const onAbort = (): void => void close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) await close();

  return {
    close,
    stats: () => ({ ...stats }),
    address: () => ({ ...bound }),
  };
}

/** A scoped sender address (`fe80::1%eth0`) must carry our interface; an unscoped one is let through. */
function arrivedOn(address: string, iface: string): boolean {
  const pct = address.indexOf('%');
  if (pct === -1) return true;
  return address.slice(pct + 1) === iface;
}
