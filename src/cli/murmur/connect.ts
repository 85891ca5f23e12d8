import type { Command } from 'commander';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';

export function registerConnect(program: Command): void {
  clientOptions(
    program
      .command('connect')
      .argument('<addr>', 'multiaddr of the peer, ending in /p2p/<peer id>')
      .description('dial a peer and complete the murmur handshake'),
  ).action(
    action(async (addr: string, flags: ClientFlags) => {
      const { parseMultiaddr } = await import('../../config/address.ts'); // multiaddr only for connect
      const checked = parseMultiaddr(addr, { needPeerId: true });
      const peer = await (await clientFor(flags)).connect(checked);
      if (flags.json) return printJson(peer);
      process.stdout.write(
        `connected to ${peer.peerId} (${peer.state}${peer.po === undefined ? '' : `, po ${peer.po}`})\n`,
      );
    }),
  );
}
