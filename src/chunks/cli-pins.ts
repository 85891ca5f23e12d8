import type { Command } from 'commander';
import { MurmurError } from '../errors/index.ts';
import type { CliKit } from '../service/kind.ts';

/** Options every client command takes. */
type CliFlags = { data?: string; json?: boolean };

/** Set by the register function: the CLI's helpers (client, output, error reporting). */
let kit: CliKit;

interface PinInfo {
  root: string;
  chunks: number;
  bytes: number;
}

function checkAddress(addr: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(addr)) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a file address is 64 hex digits');
  }
  return addr.toLowerCase();
}

async function pinCmd(method: 'POST' | 'DELETE', addr: string, flags: CliFlags): Promise<void> {
  const client = await kit.client(flags);
  const r = await client.request<PinInfo>(method, `/v1/chunks/pins/${checkAddress(addr)}`);
  if (flags.json) return kit.printJson(r);
  const what = method === 'POST' ? 'pinned' : 'unpinned';
  process.stdout.write(`${what} ${r.root} (${r.chunks} chunks, ${kit.formatBytes(r.bytes)})\n`);
}

/** `murmur pin ADDR`, `murmur unpin ADDR`, `murmur pins`, through the running node's API. */
export function registerPins(program: Command, cliKit: CliKit): void {
  kit = cliKit;
  kit
    .clientOptions(
      program
        .command('pin')
        .argument('<addr>', 'root address of a file (printed by murmur put)')
        .description('keep a file on this node: its chunks are never evicted (fetched first if missing)'),
    )
    .action(kit.action(async (addr: string, flags: CliFlags) => pinCmd('POST', addr, flags)));
  kit
    .clientOptions(
      program
        .command('unpin')
        .argument('<addr>', 'root address of a pinned file')
        .description('let the chunks of a pinned file be evicted again (those of other pins stay)'),
    )
    .action(kit.action(async (addr: string, flags: CliFlags) => pinCmd('DELETE', addr, flags)));
  kit.clientOptions(program.command('pins').description('the files pinned on the running node')).action(
    kit.action(async (flags: CliFlags) => {
      const client = await kit.client(flags);
      const r = await client.request<{ pins: PinInfo[] }>('GET', '/v1/chunks/pins');
      if (flags.json) return kit.printJson(r);
      if (r.pins.length === 0) {
        process.stdout.write('no pinned files (murmur put pins an upload; murmur pin <addr>)\n');
        return;
      }
      process.stdout.write(
        `${kit.table(
          ['ROOT', 'CHUNKS', 'SIZE'],
          r.pins.map((p) => [p.root, String(p.chunks), kit.formatBytes(p.bytes)]),
        )}\n`,
      );
    }),
  );
}
