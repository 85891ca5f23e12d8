import type { Command } from 'commander';
import { readApiToken } from '../../api/files.ts';
import { resolveDataDir } from '../../config/data-dir.ts';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';

/** The dashboard URL with the token in the fragment (never sent to the server, kept in the tab). */
export function dashboardLink(url: string, token: string): string {
  return `${url}/#token=${token}`;
}

export function registerDashboard(program: Command): void {
  clientOptions(
    program.command('dashboard').description('print a link that opens the web dashboard, logged in'),
  ).action(
    action(async (flags: ClientFlags) => {
      const client = await clientFor(flags);
      await client.health();
      const token = await readApiToken(resolveDataDir(flags.data, process.env, process.cwd()));
      const link = dashboardLink(client.url, token);
      if (flags.json) return printJson({ url: link });
      process.stdout.write(`${link}\n`);
    }),
  );
}
