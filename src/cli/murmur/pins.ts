import type { Command } from 'commander';
import { MurmurError } from '../../errors/index.ts';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';
import { formatBytes, table } from './format.ts';

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

async function pinCmd(method: 'POST' | 'DELETE', addr: string, flags: ClientFlags): Promise<void> {
  const client = await clientFor(flags);
  const r = await client.request<PinInfo>(method, `/v1/chunks/pins/${checkAddress(addr)}`);
  if (flags.json) return printJson(r);
  const what = method === 'POST' ? 'pinned' : 'unpinned';
  process.stdout.write(`${what} ${r.root} (${r.chunks} chunks, ${formatBytes(r.bytes)})\n`);
}

/** `murmur pin ADDR`, `murmur unpin ADDR`, `murmur pins`, through the running node's API. */
export function registerPins(program: Command): void {
  clientOptions(
    program
      .command('pin')
      .argument('<addr>', 'root address of a file (printed by murmur put)')
      .description('keep a file on this node: its chunks are never evicted (fetched first if missing)'),
  ).action(action(async (addr: string, flags: ClientFlags) => pinCmd('POST', addr, flags)));
  clientOptions(
    program
      .command('unpin')
      .argument('<addr>', 'root address of a pinned file')
      .description('let the chunks of a pinned file be evicted again (those of other pins stay)'),
  ).action(action(async (addr: string, flags: ClientFlags) => pinCmd('DELETE', addr, flags)));
  clientOptions(program.command('pins').description('the files pinned on the running node')).action(
    action(async (flags: ClientFlags) => {
      const client = await clientFor(flags);
      const r = await client.request<{ pins: PinInfo[] }>('GET', '/v1/chunks/pins');
      if (flags.json) return printJson(r);
      if (r.pins.length === 0) {
        process.stdout.write('no pinned files (murmur put pins an upload; murmur pin <addr>)\n');
        return;
      }
      process.stdout.write(
        `${table(
          ['ROOT', 'CHUNKS', 'SIZE'],
          r.pins.map((p) => [p.root, String(p.chunks), formatBytes(p.bytes)]),
        )}\n`,
      );
    }),
  );
}
