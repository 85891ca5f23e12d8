import { isIP } from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import { MurmurError } from '../errors/index.ts';

/** A HOST:PORT of the local API. */
export interface ApiAddress {
  host: string;
  port: number;
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Parses `HOST:PORT`, `[V6]:PORT` or a bare `PORT` (host 127.0.0.1). Throws MURMUR_BAD_ADDRESS when
 * malformed; the loopback rule is enforced by the API server (MURMUR_API_NOT_LOOPBACK).
 */
export function parseApiAddress(input: string, defaultHost = '127.0.0.1'): ApiAddress {
  const s = input.trim();
  let host = defaultHost;
  let portText = s;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    portText = s.slice(i + 1);
    if (host.includes(':')) throw badApi(input, 'write an IPv6 host in brackets: [::1]:9022');
  }
  if (host === '' || !/^[A-Za-z0-9.:-]+$/.test(host)) throw badApi(input, 'bad host');
  if (!/^\d{1,5}$/.test(portText)) throw badApi(input, 'bad port');
  const port = Number(portText);
  if (port > 65535) throw badApi(input, 'port above 65535');
  return { host, port };
}

function badApi(input: string, why: string): MurmurError {
  return new MurmurError('MURMUR_BAD_ADDRESS', `bad API address "${input}" (${why}); expected HOST:PORT`, {
    details: { address: input },
  });
}

/**
 * Validates a libp2p multiaddr string and returns it normalised. With `needPeerId` it must end in
 * /p2p/<peer id> (dial addresses). Throws MURMUR_BAD_ADDRESS.
 */
export function parseMultiaddr(input: string, options: { needPeerId?: boolean } = {}): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new MurmurError(
      'MURMUR_BAD_ADDRESS',
      'empty address; expected a multiaddr such as /ip4/1.2.3.4/tcp/9021',
    );
  }
  const s = input.trim();
  let text: string;
  try {
    text = multiaddr(s).toString();
  } catch (cause) {
    throw new MurmurError(
      'MURMUR_BAD_ADDRESS',
      `bad address "${s}": not a multiaddr (example: /ip4/127.0.0.1/tcp/9021/p2p/12D3KooW...)`,
      { cause, details: { address: s } },
    );
  }
  if (options.needPeerId && !/\/p2p\/[^/]+$/.test(text)) {
    throw new MurmurError(
      'MURMUR_BAD_ADDRESS',
      `bad address "${s}": it must end with /p2p/<peer id> (run "murmur id" on that node to get it)`,
      { details: { address: s } },
    );
  }
  return text;
}
