import './codes.ts';
import { Command } from 'commander';
import { KINDS } from '../kinds/index.ts';
import { EXIT } from './exit.ts';
import { cliKit } from './murmur/common.ts';
import { registerConnect } from './murmur/connect.ts';
import { registerDashboard } from './murmur/dashboard.ts';
import { registerDemo } from './murmur/demo.ts';
import { registerId } from './murmur/id.ts';
import { registerPeers } from './murmur/peers.ts';
import { registerStart } from './murmur/start.ts';
import { registerStatus } from './murmur/status.ts';
import { registerWait } from './murmur/wait.ts';

/** The `murmur` command: a daemon (`start`), clients of its local API, and `demo`. */
export function buildProgram(): Command {
  const program = new Command('murmur')
    .description('murmur: peer-to-peer replication node and its command-line client')
    .version('0.1.0')
    .showHelpAfterError('(run murmur --help for usage)')
    // a usage error (unknown command or option, bad or missing argument) exits 2, --help/--version 0;
    // set before the commands are added, which inherit it
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
  registerStart(program);
  registerId(program);
  registerStatus(program);
  registerWait(program);
  registerPeers(program);
  registerConnect(program);
  registerDashboard(program);
  registerDemo(program);
  for (const kind of KINDS) kind.commands?.(program, cliKit);
  return program;
}

/** Runs the command line (the entry of `bin/murmur`, through bin/launch.mjs once installed). */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}

if (import.meta.main) await main();
