import type { Command } from 'commander';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';

export function registerId(program: Command): void {
  clientOptions(
    program.command('id').description("print the running node's peer id, overlay address and addresses"),
  ).action(
    action(async (flags: ClientFlags) => {
      const id = await (await clientFor(flags)).id();
      if (flags.json) return printJson(id);
      process.stdout.write(
        `peer id   ${id.peerId}\noverlay   ${id.overlay}\nnetwork   ${id.networkId}\n${
          id.addresses.length ? id.addresses.map((a) => `address   ${a}`).join('\n') : 'address   (none)'
        }\n`,
      );
    }),
  );
}
