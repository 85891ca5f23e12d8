import type { Command } from 'commander';
import type { ApiClient } from '../../api/client.ts';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';
import { formatStatus, formatStorage } from './format.ts';

/** The chunk store's usage (`storage` of GET /v1/chunks), if the node runs the chunks service. */
async function storage(client: ApiClient): Promise<Record<string, number | boolean> | undefined> {
  try {
    const c = await client.request<{ storage?: Record<string, number | boolean> }>('GET', '/v1/chunks');
    return c.storage;
  } catch {
    return undefined;
  }
}

export function registerStatus(program: Command): void {
  clientOptions(
    program
      .command('status')
      .description('addresses, overlay depth, peers per bin, chunk storage and counters of the running node'),
  ).action(
    action(async (flags: ClientFlags) => {
      const client = await clientFor(flags);
      const [status, store] = await Promise.all([client.status(), storage(client)]);
      if (flags.json) return printJson(store ? { ...status, storage: store } : status);
      const text = formatStatus(status);
      process.stdout.write(
        `${store ? text.replace(/\naddresses\n/, `\n${formatStorage(store)}\naddresses\n`) : text}\n`,
      );
    }),
  );
}
