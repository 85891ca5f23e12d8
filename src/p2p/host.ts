import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type Identify, identify } from '@libp2p/identify';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { tls } from '@libp2p/tls';
import { createLibp2p, type Libp2p } from 'libp2p';
import { MurmurError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';

export type Host = Libp2p<{ identify: Identify; ping: Ping }>;

export interface HostOptions {
  privateKey: PrivateKey;
  listen: string[];
  encryption?: 'noise' | 'tls';
  gater?: ConnectionGater;
  maxConnections?: number;
  /** Inbound connections accepted per second per remote host (libp2p default 5 is too low for LANs). */
  inboundConnectionThreshold?: number;
  /** On EADDRINUSE, retry listening on the same hosts with port 0 (logged as a warning). */
  fallbackToEphemeral?: boolean;
  logger: Logger;
}

function build(options: HostOptions, listen: string[]): Promise<Host> {
  return createLibp2p({
    privateKey: options.privateKey,
    start: false,
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: options.encryption === 'tls' ? [tls()] : [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false, ...options.gater },
    connectionManager: {
      maxConnections: options.maxConnections ?? 300,
      inboundConnectionThreshold: options.inboundConnectionThreshold ?? 100,
      maxIncomingPendingConnections: 64,
    },
    connectionMonitor: { enabled: false },
    services: { identify: identify(), ping: ping() },
  });
}

function inUse(err: unknown): boolean {
  for (
    let e = err as { code?: string; message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(e.message ?? '')) return true;
  }
  return false;
}

/** Creates and starts the libp2p host: TCP, Noise (or TLS 1.3), yamux, identify, ping. */
export async function startHost(options: HostOptions): Promise<Host> {
  let host = await build(options, options.listen);
  try {
    await host.start();
    return host;
  } catch (err) {
    try {
      await host.stop();
    } catch {
      // already failed
    }
    if (!(options.fallbackToEphemeral === true && inUse(err))) {
      throw new MurmurError(
        'MURMUR_IO',
        `cannot listen on ${options.listen.join(', ')}: ${(err as Error).message}`,
        {
          cause: err,
          details: { listen: options.listen },
        },
      );
    }
  }
  const ephemeral = options.listen.map((a) => a.replace(/\/tcp\/\d+/, '/tcp/0'));
  options.logger.warn({ listen: options.listen, ephemeral }, 'listen port taken; using an ephemeral port');
  host = await build(options, ephemeral);
  await host.start();
  return host;
}
