/**
 * `p2ptbl-recv`: the HBBP handler of p2ptbl gossip. Reached through a symlink `<handler dir>/p2ptbl/<table>`
 * (as the original), it takes the table name from its invoked name and merges the gzip payload on stdin
 * into `$P2PTBL_DIR/<table>` (default /tmp/p2ptbl), creating the table if missing. `--table PATH` names
 * the table directly. Malformed rows are skipped and counted; a payload over its caps (gzip bomb) is
 * rejected with the table unchanged. Errors print `p2ptbl-recv: CODE: message` and exit 1.
 */
import { basename, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { isMurmurError, MurmurError } from '../errors/index.ts';
import {
  DEFAULT_TABLE_DIR,
  MAX_RECV_COMPRESSED_BYTES,
  MAX_RECV_DECOMPRESSED_BYTES,
  Table,
} from '../p2ptbl/index.ts';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function hotSendsArg(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new InvalidArgumentError('hot sends must be an integer >= 0');
  return Number(v);
}

/** The table a handler invoked as `.../p2ptbl/<name>` serves: `$P2PTBL_DIR/<name>`. */
function tableFromInvokedName(invoked: string | undefined): string {
  const name = basename(invoked ?? '');
  if (name === '' || name === 'p2ptbl-recv' || name === 'p2ptbl-recv.ts' || name === '.' || name === '..') {
    throw new MurmurError(
      'MURMUR_P2PTBL_BAD_TABLE_NAME',
      `cannot tell the table from the invoked name ${JSON.stringify(invoked ?? '')}: run through a symlink DIR/p2ptbl/<table> or pass --table PATH`,
    );
  }
  return join(process.env.P2PTBL_DIR || DEFAULT_TABLE_DIR, name);
}

/** Reads stdin, failing as soon as more than `max` bytes arrive. */
async function readStdin(max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      throw new MurmurError('MURMUR_P2PTBL_TOO_LARGE', `payload exceeds ${max} bytes`, { details: { max } });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const program = new Command('p2ptbl-recv')
    .description('HBBP handler: merge a gzip-compressed p2ptbl gossip payload from stdin into the table')
    .option('--table <path>', 'table to merge into (default: $P2PTBL_DIR/<invoked name>)')
    .option(
      '--max-bytes <n>',
      'cap on the decompressed payload',
      int('max bytes'),
      MAX_RECV_DECOMPRESSED_BYTES,
    )
    .option('--lock-timeout <ms>', 'how long to wait for the table lock', int('lock timeout'))
    .option(
      '--hot-sends <n>',
      'K: rows the payload changes go first in the next K-1 gossips (default 3, env P2PTBL_HOT_SENDS; 0: off)',
      hotSendsArg,
    )
    .option('-v, --verbose', 'print what was merged on stderr')
    .showHelpAfterError();
  program.parse(process.argv);
  const o = program.opts<{
    table?: string;
    maxBytes: number;
    lockTimeout?: number;
    hotSends?: number;
    verbose?: boolean;
  }>();
  const env = process.env.P2PTBL_HOT_SENDS;
  const k = o.hotSends ?? (env !== undefined && /^\d+$/.test(env) ? Number(env) : undefined);
  const path = o.table ?? tableFromInvokedName(process.env.MURMUR_INVOKED_AS ?? process.argv[1]);
  const payload = await readStdin(MAX_RECV_COMPRESSED_BYTES);
  const table = new Table(path, {
    ...(o.lockTimeout === undefined ? {} : { lockTimeoutMs: o.lockTimeout }),
    ...(k === undefined ? {} : { hotSends: k, mergeHotSends: Math.max(0, k - 1) }),
  });
  const stats = await table.receive(payload, { maxDecompressedBytes: o.maxBytes });
  if (o.verbose || stats.skipped + stats.oversized + stats.refused > 0) {
    const extra =
      (stats.oversized > 0 ? `, ${stats.oversized} over the row cap skipped` : '') +
      (stats.refused > 0 ? `, ${stats.refused} refused (table full for received rows)` : '');
    process.stderr.write(
      `p2ptbl-recv: ${path}: ${stats.received} rows received, ${stats.changed} changed, ${stats.skipped} malformed skipped${extra}\n`,
    );
  }
}

try {
  await main();
} catch (err) {
  const code = isMurmurError(err) ? err.code : 'MURMUR_IO';
  process.stderr.write(`p2ptbl-recv: ${code}: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
