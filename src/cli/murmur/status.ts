import type { Command } from 'commander';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';
import { formatStatus } from './format.ts';

export function registerStatus(program: Command): void {
  clientOptions(
    program
      .command('status')
      .description('addresses, overlay depth, peers per bin and counters of the running node'),
  ).action(
    action(async (flags: ClientFlags) => {
      const status = await (await clientFor(flags)).status();
      if (flags.json) return printJson(status);
      process.stdout.write(`${formatStatus(status)}\n`);
    }),
  );
}
