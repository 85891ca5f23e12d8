import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { MurmurError } from '../errors/index.ts';

/** A dialable address: the multiaddr and the peer id from its /p2p/ part. */
export interface DialAddr {
  peerId: string;
  addr: Multiaddr;
}

/** Parses `/ip4/…/tcp/…/p2p/<id>`; MURMUR_BAD_ADDRESS if malformed or without /p2p. */
export function parseDialAddr(text: string): DialAddr {
  let addr: Multiaddr;
  try {
    addr = multiaddr(text);
  } catch (err) {
    throw new MurmurError('MURMUR_BAD_ADDRESS', `not a multiaddr: ${text}`, {
      cause: err,
      details: { addr: text },
    });
  }
  const peerId = addr.getComponents().findLast((c) => c.name === 'p2p')?.value;
  if (peerId === undefined) {
    throw new MurmurError('MURMUR_BAD_ADDRESS', `address lacks /p2p/<peer id>: ${text}`, {
      details: { addr: text },
    });
  }
  return { peerId, addr };
}

/** Appends /p2p/<peerId> unless present. */
export function withPeer(addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`;
}

/** Drops the /p2p/<id> suffix. */
export function withoutPeer(addr: string): string {
  const i = addr.indexOf('/p2p/');
  return i < 0 ? addr : addr.slice(0, i);
}

/**
 * Whether an address is worth telling others: never unspecified or zone-less link-local; loopback only
 * when `loopback` (peers on the same machine).
 */
export function isShareable(addr: string, options: { loopback?: boolean } = {}): boolean {
  if (/^\/ip4\/0\.0\.0\.0\/|^\/ip6\/::\/|^\/ip6\/fe80:[^/]*\/|^\/ip6zone\//.test(addr)) return false;
  if (/^\/ip4\/127\.|^\/ip6\/::1\//.test(addr)) return options.loopback === true;
  return true;
}
