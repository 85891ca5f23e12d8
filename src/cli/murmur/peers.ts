import { type Command, Option } from 'commander';
import { PEER_STATES } from '../../peers/types.ts';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';
import { formatPeers } from './format.ts';

export function registerPeers(program: Command): void {
  const peers = clientOptions(
    program
      .command('peers')
      .description('list known peers: state, reason, strikes, when backoff or purgatory ends'),
  )
    .addOption(
      new Option('--state <state>', 'only peers in this state').choices(PEER_STATES as readonly string[]),
    )
    .action(
      action(async (flags: ClientFlags & { state?: string }) => {
        const client = await clientFor(flags);
        const list = await client.peers(flags.state === undefined ? {} : { state: flags.state });
        if (flags.json) return printJson(list);
        process.stdout.write(`${formatPeers(list)}\n`);
      }),
    );
  clientOptions(
    peers
      .command('forgive')
      .argument('<peer>', 'peer id')
      .description('lift the peer’s purgatory (it is dialled again) and clear its strikes'),
  ).action(
    action(async (peerId: string, own: ClientFlags, cmd: Command) => {
      // --data / --json may be given before or after `forgive` (the parent command takes them too)
      const flags = { ...own, ...cmd.optsWithGlobals<ClientFlags>() };
      const peer = await (await clientFor(flags)).forgive(peerId);
      if (flags.json) return printJson(peer);
      process.stdout.write(
        `forgave ${peer.peerId}: ${peer.state}${peer.reason === undefined ? '' : ` (${peer.reason})`}, strikes ${peer.strikes}\n`,
      );
    }),
  );
}
