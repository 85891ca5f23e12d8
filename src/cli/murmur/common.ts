import type { Command } from 'commander';
import { ApiClient, answeredStatus } from '../../api/client.ts';
import { readApiInfo, readApiToken } from '../../api/files.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { isMurmurError } from '../../errors/index.ts';
import type { CliKit } from '../../service/kind.ts';
import { exitCodeOf } from '../exit.ts';
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

/**
 * Reports an error: `murmur: CODE: message` on stderr, or with `--json` the object
 * `{"error": {"code", "message"}}` on stdout; the exit code says its class (src/cli/exit.ts).
 */
export function reportError(err: unknown, options: { json?: boolean } = {}): void {
  const code = isMurmurError(err) ? err.code : 'MURMUR_CLI_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  if (options.json === true) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else if (isMurmurError(err)) process.stderr.write(`murmur: ${err.code}: ${err.message}\n`);
  else {
    process.stderr.write(`murmur: error: ${message}\n`);
    if (process.env.MURMUR_DEBUG) console.error(err);
  }
  process.exitCode = exitCodeOf(err, answeredStatus(err));
}

/** True when a command action's arguments (…, options, command) carry `--json`. */
function wantsJson(args: readonly unknown[]): boolean {
  const cmd = args.at(-1) as { optsWithGlobals?: () => { json?: unknown } } | undefined;
  if (typeof cmd?.optsWithGlobals === 'function') return cmd.optsWithGlobals().json === true;
  const opts = args.at(-2) as { json?: unknown } | undefined;
  return opts !== null && typeof opts === 'object' && opts.json === true;
}

/** Wraps a command action so that every error is reported the same way. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err, { json: wantsJson(args) });
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
