import type { OverlayPeer } from '../../src/overlay/index.ts';

/** An address at proximity order `po` from `base` (bit po flipped; `salt` fills the deeper bytes). */
export function addressAtPo(base: Uint8Array, po: number, salt: number): Uint8Array {
  const a = base.slice();
  const byte = po >> 3;
  a[byte] = (a[byte] as number) ^ (0x80 >> (po & 7));
  for (let i = 4; i < 32; i++) a[i] = (salt * 31 + i * 7) & 0xff;
  return a;
}

export function peerAtPo(base: Uint8Array, po: number, n: number): OverlayPeer {
  return { peerId: `p${po}-${n}`, overlay: addressAtPo(base, po, n), addresses: [`/memory/p${po}-${n}`] };
}
