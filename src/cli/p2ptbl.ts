/**
 * `p2ptbl` command, compatible with the original shell tool (docs/P2PTBL.md): init, get, show, update,
 * del, merge, filter, gossip. Keys and values are taken byte for byte; errors print
 * `p2ptbl: CODE: message` on stderr and exit 1.
 */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { isMurmurError, MurmurError } from '../errors/index.ts';
import { KeyRing, SEAL_OVERHEAD, send } from '../hbbp/index.ts';
import { gzipRows, payloadBudget, type Row, Table, textToBinary } from '../p2ptbl/index.ts';

interface NetOptions {
  keydir?: string;
  port?: number;
  address?: string;
  lockTimeout?: number;
  hotSends?: number;
  uniform?: boolean;
}

function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** Rows of a table; a missing table reads as empty for get/show, as the original's grep pipeline did. */
async function liveRows(path: string): Promise<Row[]> {
  try {
    return (await new Table(path).read()).rows.filter((r) => r.value !== null);
  } catch (err) {
    if (isMurmurError(err, 'MURMUR_P2PTBL_NO_TABLE')) return [];
    throw err;
  }
}

function out(bin: string): void {
  process.stdout.write(Buffer.from(bin, 'latin1'));
}

/** K for rows this command changes: `--hot-sends`, else env P2PTBL_HOT_SENDS, else the default. */
function hotSends(o: NetOptions): number | undefined {
  if (o.hotSends !== undefined) return o.hotSends;
  const env = process.env.P2PTBL_HOT_SENDS;
  return env !== undefined && /^\d+$/.test(env) ? Number(env) : undefined;
}

function table(path: string, o: NetOptions = {}): Table {
  const k = hotSends(o);
  return new Table(path, {
    ...(o.lockTimeout === undefined ? {} : { lockTimeoutMs: o.lockTimeout }),
    ...(k === undefined ? {} : { hotSends: k, mergeHotSends: Math.max(0, k - 1) }),
    ...(o.uniform ? { uniform: true } : {}),
  });
}

const HOT_HELP = 'changed rows go first in their next N gossips (default 3, env P2PTBL_HOT_SENDS; 0: off)';

/** Whether `name` is a network interface of this host (so `update T K V… IFACE` can tell it from a value). */
function isInterface(name: string): boolean {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(name) || name === '.' || name === '..') return false;
  return existsSync(`/sys/class/net/${name}`) || Object.hasOwn(networkInterfaces(), name);
}

async function broadcast(t: Table, iface: string, payload: Uint8Array, o: NetOptions): Promise<void> {
  const keyring = o.keydir ? await KeyRing.load(o.keydir) : undefined;
  await send({ iface, key: t.gossipKey, payload, port: o.port, address: o.address, keyring });
}

async function overheadFor(t: Table, o: NetOptions): Promise<number> {
  if (!o.keydir) return 0;
  const ring = await KeyRing.load(o.keydir);
  return ring.lookup(t.gossipKey) ? SEAL_OVERHEAD : 0;
}

/** Broadcasts one changed row at once (update/del with IFACE). */
async function broadcastRow(t: Table, row: Row, iface: string, o: NetOptions): Promise<void> {
  const payload = gzipRows([row]);
  const budget = payloadBudget(Number.MAX_SAFE_INTEGER, t.gossipKey, await overheadFor(t, o));
  if (payload.length > budget) {
    throw new MurmurError(
      'MURMUR_P2PTBL_NO_ROW_FITS',
      `the row is stored, but its ${payload.length} gzip bytes do not fit one datagram (${budget})`,
    );
  }
  await broadcast(t, iface, payload, o);
}

function netOptions(cmd: Command): Command {
  return cmd
    .option('--keydir <dir>', 'HBBP key folder: encrypt when it holds a key set for p2ptbl/<table>')
    .option('--port <port>', 'HBBP UDP port (default 4950)', int('port', 1))
    .option('--address <addr>', 'send to this address instead of ff02::1%IFACE (tests)')
    .option('--lock-timeout <ms>', 'how long to wait for the table lock', int('lock timeout', 0))
    .option('--hot-sends <n>', HOT_HELP, int('hot sends', 0));
}

function buildProgram(): Command {
  const program = new Command('p2ptbl')
    .description('peer-to-peer tables: small last-writer-wins key/value files gossiped over HBBP')
    .showHelpAfterError()
    .enablePositionalOptions()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('init <table>')
    .description('create the folder and an empty table (an existing table is kept)')
    .action(async (path: string) => {
      await new Table(path).init();
    });

  program
    .command('get <table> <key>')
    .description('print the values of KEY (nothing if absent or deleted)')
    .action(async (path: string, key: string) => {
      const k = textToBinary(key);
      const row = (await liveRows(path)).find((r) => r.key === k);
      if (row?.value != null) out(`${row.value}\n`);
    });

  program
    .command('show <table>')
    .description('print every live row as key<TAB>values (no version)')
    .action(async (path: string) => {
      let text = '';
      for (const row of (await new Table(path).read()).rows)
        if (row.value !== null) text += `${row.key}\t${row.value}\n`;
      out(text);
    });

  netOptions(
    program
      .command('update <table> <key> <values...>')
      .description(
        'set KEY to VALUES (tab-joined); version = old + 1 + random(2^32). A last argument naming a network ' +
          'interface (or --iface) broadcasts the row at once',
      )
      .option('-i, --iface <iface>', 'broadcast on this interface (all VALUES are then values)'),
  ).action(async (path: string, key: string, values: string[], o: NetOptions & { iface?: string }) => {
    let iface = o.iface;
    if (iface === undefined && values.length >= 2 && isInterface(values[values.length - 1] as string)) {
      iface = values.pop();
    }
    const t = table(path, o);
    const row = await t.update(textToBinary(key), textToBinary(values.join('\t')));
    if (iface !== undefined) await broadcastRow(t, row, iface, o);
  });

  netOptions(
    program
      .command('del <table> <key> [iface]')
      .description(
        'delete KEY with a tombstone (key<TAB>version, no value); with IFACE broadcast it at once',
      ),
  ).action(async (path: string, key: string, iface: string | undefined, o: NetOptions) => {
    const t = table(path, o);
    const row = await t.delete(textToBinary(key));
    if (row !== undefined && iface !== undefined) await broadcastRow(t, row, iface, o);
  });

  program
    .command('merge <table> <file>')
    .description('merge another table file (- = stdin): per key the larger version wins, ties deterministic')
    .option('--lock-timeout <ms>', 'how long to wait for the table lock', int('lock timeout', 0))
    .option('--hot-sends <n>', HOT_HELP, int('hot sends', 0))
    .action(async (path: string, file: string, o: NetOptions) => {
      await table(path, o).mergeFile(file === '-' ? '/dev/stdin' : file);
    });

  program
    .command('filter <table> <prog> [args...]')
    .description(
      'pipe key<TAB>values rows through PROG; changed rows get new versions, dropped rows tombstones',
    )
    .option('--hot-sends <n>', HOT_HELP, int('hot sends', 0))
    .passThroughOptions()
    .action(async (path: string, prog: string, args: string[], o: NetOptions) => {
      await table(path, o).filter(prog, args);
    });

  netOptions(
    program
      .command('gossip <table> <size> <iface>')
      .description(
        'broadcast recently changed (hot) rows, then a random subset, whose gzip fits SIZE bytes on IFACE ' +
          '(- = write it to stdout)',
      )
      .option(
        '--uniform',
        'original selection: a uniform random subset, hot rows ignored (sidecar untouched)',
      ),
  ).action(async (path: string, sizeText: string, iface: string, o: NetOptions) => {
    const size = int('size', 1)(sizeText);
    const t = table(path, o);
    const selection = await t.gossip(size, { overhead: iface === '-' ? 0 : await overheadFor(t, o) });
    if (selection === undefined) return; // empty table: nothing to send
    if (iface === '-') process.stdout.write(selection.payload);
    else await broadcast(t, iface, selection.payload, o);
  });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const code = isMurmurError(err) ? err.code : 'MURMUR_IO';
    process.stderr.write(`p2ptbl: ${code}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main();
