import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MurmurError } from '../errors/index.ts';
import type { ApiRequester } from '../http/types.ts';
import type { CliKit } from '../service/kind.ts';
import type { EventView, JournalView, SnapshotView } from './views.ts';

/** Options every client command takes. */
type CliFlags = { data?: string; json?: boolean };

/** Set by the register function: the CLI's helpers (client, output, error reporting). */
let kit: CliKit;

/** A journal id (`<hex>/<name>`) as one URL path segment. */
const path = (id: string, suffix = ''): string => `/v1/journals/${encodeURIComponent(id)}${suffix}`;

function seq(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw new MurmurError('MURMUR_INVALID_ARGUMENT', `${name} must be a number`);
  return Number(value);
}

function eventLine(e: EventView): string {
  const time = new Date(e.time).toISOString();
  const body = e.e !== undefined ? `${e.e} ${JSON.stringify(e.p ?? null)}` : `bytes ${e.payload ?? ''}`;
  return `${e.seq}\t${time}\t${body}`;
}

function snapshotLine(s: SnapshotView): string {
  return `snapshot upTo=${s.upTo}\t${s.state ?? `base64:${s.stateBase64}`}`;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** `JSON` argument or `-` (standard input: one JSON value, or one `{e,p}` per line = a batch). */
async function eventsArg(arg: string): Promise<unknown> {
  const text = arg === '-' ? await readStdin() : arg;
  try {
    return JSON.parse(text);
  } catch {}
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  try {
    return lines.map((l) => JSON.parse(l) as unknown);
  } catch {
    throw new MurmurError(
      'MURMUR_INVALID_ARGUMENT',
      'events are JSON: {"e": "name", "p": …}, an array, or lines',
    );
  }
}

async function follow(client: ApiRequester, id: string, flags: CliFlags & { from?: string }): Promise<void> {
  const from = seq(flags.from, '--from');
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const ev of client.events({
      path: path(id, `/follow${from === undefined ? '' : `?from=${from}`}`),
      signal: ac.signal,
    })) {
      const data = JSON.parse(ev.data) as unknown;
      if (ev.event === 'error') throw new MurmurError('MURMUR_IO', `follow ended: ${ev.data}`);
      if (flags.json) process.stdout.write(`${JSON.stringify({ type: ev.event, ...(data as object) })}\n`);
      else if (ev.event === 'event') process.stdout.write(`${eventLine(data as EventView)}\n`);
      else if (ev.event === 'snapshot') process.stdout.write(`${snapshotLine(data as SnapshotView)}\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `murmur journal create|append|read|follow|snapshot|state|ls`, through the running node's API. */
export function registerJournal(program: Command, cliKit: CliKit): void {
  kit = cliKit;
  const journal = program
    .command('journal')
    .description('signed append-only event journals (ids are <writer hex>/<name>)');

  kit
    .clientOptions(journal.command('create').argument('<name>', 'journal name [A-Za-z0-9._-]{1,64}'))
    .description("create a journal written with this node's journal key; prints its id")
    .action(
      kit.action(async (name: string, flags: CliFlags) => {
        const r = await (await kit.client(flags)).request<JournalView>('POST', '/v1/journals', {
          body: { name },
        });
        if (flags.json) return kit.printJson(r);
        process.stdout.write(`${r.id}\n`);
      }),
    );

  kit
    .clientOptions(
      journal
        .command('append')
        .argument('<id>', 'journal id')
        .argument('<json>', `event {"e": name, "p": payload}, an array (a batch), or '-' for standard input`),
    )
    .description('append one event or a batch (atomic) to an own journal')
    .action(
      kit.action(async (id: string, arg: string, flags: CliFlags) => {
        const body = await eventsArg(arg);
        const r = await (await kit.client(flags)).request<
          EventView | { count: number; first: number; last: number }
        >('POST', path(id, '/events'), { body });
        if (flags.json) return kit.printJson(r);
        process.stdout.write('seq' in r ? `${r.seq}\n` : `${r.first}..${r.last} (${r.count} events)\n`);
      }),
    );

  kit
    .clientOptions(
      journal
        .command('read')
        .argument('<id>', 'journal id')
        .option('--from <n>', 'first sequence number')
        .option('--to <n>', 'last sequence number'),
    )
    .description('print stored events (the snapshot first when --from lies before it)')
    .action(
      kit.action(async (id: string, flags: CliFlags & { from?: string; to?: string }) => {
        const q = new URLSearchParams();
        const from = seq(flags.from, '--from');
        const to = seq(flags.to, '--to');
        if (from !== undefined) q.set('from', String(from));
        if (to !== undefined) q.set('to', String(to));
        const qs = q.size > 0 ? `?${q}` : '';
        const r = await (await kit.client(flags)).request<{ snapshot?: SnapshotView; events: EventView[] }>(
          'GET',
          path(id, `/events${qs}`),
        );
        if (flags.json) return kit.printJson(r);
        if (r.snapshot) process.stdout.write(`${snapshotLine(r.snapshot)}\n`);
        for (const e of r.events) process.stdout.write(`${eventLine(e)}\n`);
      }),
    );

  kit
    .clientOptions(
      journal.command('follow').argument('<id>', 'journal id').option('--from <n>', 'first sequence number'),
    )
    .description(
      'print history, then new events as they arrive (Ctrl-C stops); follows remote journals on demand',
    )
    .action(
      kit.action(async (id: string, flags: CliFlags & { from?: string }) => {
        const client = await kit.client(flags);
        await follow(client, id, flags);
      }),
    );

  kit
    .clientOptions(
      journal
        .command('snapshot')
        .argument('<id>', 'journal id')
        .argument('<state>', "state after event N (text, e.g. JSON), '-' for standard input or @FILE")
        .requiredOption('--upto <n>', 'last event the state includes')
        .option('--no-compact', 'keep the events up to N'),
    )
    .description('publish a signed snapshot of an own journal and compact the events it covers')
    .action(
      kit.action(async (id: string, state: string, flags: CliFlags & { upto: string; compact?: boolean }) => {
        const upTo = seq(flags.upto, '--upto')!;
        const text =
          state === '-'
            ? await readStdin()
            : state.startsWith('@')
              ? await readFile(state.slice(1), 'utf8')
              : state;
        const r = await (await kit.client(flags)).request<SnapshotView>('POST', path(id, '/snapshot'), {
          body: { upTo, state: text, compact: flags.compact !== false },
        });
        if (flags.json) return kit.printJson(r);
        process.stdout.write(`snapshot upTo=${r.upTo} ${r.hash}\n`);
      }),
    );

  kit
    .clientOptions(journal.command('state').argument('<id>', 'journal id'))
    .description('print the latest snapshot of a journal (upTo and state), also when its events were kept')
    .action(
      kit.action(async (id: string, flags: CliFlags) => {
        const r = await (await kit.client(flags)).request<{ snapshot: SnapshotView | null }>(
          'GET',
          path(id, '/snapshot'),
        );
        if (flags.json) return kit.printJson(r);
        process.stdout.write(r.snapshot ? `${snapshotLine(r.snapshot)}\n` : 'no snapshot\n');
      }),
    );

  kit
    .clientOptions(journal.command('ls'))
    .description('journals held by the node (own and followed): from, to, snapshot, sync peer')
    .action(
      kit.action(async (flags: CliFlags) => {
        const r = await (await kit.client(flags)).request<{
          writer?: string;
          journals: JournalView[];
          sync: { journal: string; peer?: string; head: number; advertised: number }[];
        }>('GET', '/v1/journals');
        if (flags.json) return kit.printJson(r);
        const peers = new Map(r.sync.map((s) => [s.journal, s]));
        process.stdout.write(`${['ID', 'FROM', 'TO', 'SNAPSHOT', 'OWN', 'PEER'].join('\t')}\n`);
        for (const j of r.journals) {
          const s = peers.get(j.id);
          const row = [j.id, j.from, j.to, j.snapshot, j.own ? 'yes' : 'no', s?.peer ?? '-'];
          process.stdout.write(`${row.join('\t')}\n`);
        }
      }),
    );
}
