import type { Command } from 'commander';
import { ApiClient } from '../../api/client.ts';
import { readApiInfo, readApiToken } from '../../api/files.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { isMurmurError } from '../../errors/index.ts';
import type { CliKit } from '../../service/kind.ts';
import { formatBytes, table } from './format.ts';

/** Options every client command takes. */
export interface ClientFlags {
  data?: string;
  json?: boolean;
}

/** Adds --data and --json to a client command. */
export function clientOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data folder of the running node (default .murmur, or $MURMUR_DATA)')
    .option('--json', 'print JSON instead of a table');
}

/** The API client of the node running on the data folder named by the flags / environment. */
export function clientFor(flags: ClientFlags): Promise<ApiClient> {
  return ApiClient.fromDataDir(resolveDataDir(flags.data, process.env, process.cwd()));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error as `murmur: CODE: message` on stderr and sets exit code 1. */
export function reportError(err: unknown): void {
  if (isMurmurError(err)) {
    process.stderr.write(`murmur: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`murmur: error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.MURMUR_DEBUG) console.error(err);
  }
  process.exitCode = 1;
}

/** Wraps a command action so that every error is reported the same way. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err);
    }
  };
}

/** The helpers a data kind's commands are lent (src/service/kind.ts CliKit). */
export const cliKit: CliKit = {
  clientOptions,
  client: clientFor,
  async endpoint(flags) {
    const dir = resolveDataDir(flags.data, process.env, process.cwd());
    const info = await readApiInfo(dir);
    return { url: info.url.replace(/\/+$/, ''), token: await readApiToken(dir) };
  },
  action,
  printJson,
  table,
  formatBytes,
};
