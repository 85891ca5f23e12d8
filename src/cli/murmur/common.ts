import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiClient, answeredStatus, decodeError } from '../../api/client.ts';
import { readApiInfo, readApiToken } from '../../api/files.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { isMurmurError, MurmurError } from '../../errors/index.ts';
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

/** The size of a file named on the command line (errors say which file and why). */
export async function inputFileSize(file: string): Promise<number> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${file} is not a file`);
    return st.size;
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MurmurError('MURMUR_CLI_FILE_NOT_FOUND', `no such file: ${file}`);
    throw new MurmurError('MURMUR_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
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
  inputFileSize,
  responseError: decodeError,
};
