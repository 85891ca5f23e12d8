import type { Command } from 'commander';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';
import { formatPeers } from './format.ts';

export function registerPeers(program: Command): void {
  clientOptions(program.command('peers').description('list known peers and their states'))
    .option('--state <state>', 'only peers in this state (connecting, active, lifesupport, purgatory)')
    .action(
      action(async (flags: ClientFlags & { state?: string }) => {
        const client = await clientFor(flags);
        const peers = await client.peers(flags.state === undefined ? {} : { state: flags.state });
        if (flags.json) return printJson(peers);
        process.stdout.write(`${formatPeers(peers)}\n`);
      }),
    );
}
