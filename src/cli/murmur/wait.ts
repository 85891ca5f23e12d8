import type { Command } from 'commander';
import { isMurmurError, MurmurError } from '../../errors/index.ts';
import { action, type ClientFlags, clientFor, clientOptions, printJson } from './common.ts';

interface WaitFlags extends ClientFlags {
  timeout: string;
  peers?: string;
  key?: string;
  tree?: string;
}

const POLL_MS = 100;

/**
 * `murmur wait`: returns once the node on the data folder answers (and, if asked, has N active peers
 * and holds a key), so scripts can start a node in the background and go on when it is ready.
 */
export function registerWait(program: Command): void {
  clientOptions(
    program
      .command('wait')
      .description('wait until the node answers (and has --peers N active peers, and holds --key)')
      .option('--timeout <seconds>', 'give up after this long', '30')
      .option('--peers <n>', 'also wait for at least N active peers')
      .option('--key <key>', 'also wait until this tree key is present (e.g. a replicated entry)')
      .option('--tree <root>', 'the tree of --key (default: the node’s own)'),
  ).action(
    action(async (flags: WaitFlags) => {
      const timeoutS = Number(flags.timeout);
      const peers = flags.peers === undefined ? 0 : Number(flags.peers);
      if (!(timeoutS > 0) || !Number.isInteger(peers) || peers < 0) {
        throw new MurmurError('MURMUR_CLI_USAGE', '--timeout takes seconds > 0 and --peers a count ≥ 0');
      }
      if (flags.key !== undefined && !flags.key.startsWith('/')) {
        throw new MurmurError('MURMUR_CLI_USAGE', 'a key starts with "/", e.g. /hello');
      }
      const deadline = Date.now() + timeoutS * 1000;
      let waitingFor = 'the node to answer';
      let last: unknown;
      for (;;) {
        try {
          const client = await clientFor(flags);
          const status = await client.status();
          waitingFor = `${peers} active peer(s)`;
          if (status.peers.active >= peers) {
            if (flags.key === undefined) {
              if (flags.json) printJson({ ready: true, peerId: status.peerId, active: status.peers.active });
              return;
            }
            waitingFor = `key ${flags.key}`;
            const path = `/v1/trees/${flags.tree ?? 'default'}/kv${flags.key.split('/').map(encodeURIComponent).join('/')}`;
            const entry = await client.request<unknown>('GET', path).catch((err: unknown) => {
              if (isMurmurError(err) && /NOT_FOUND|UNKNOWN_TREE/.test(err.code)) return undefined;
              throw err;
            });
            if (entry !== undefined) {
              if (flags.json)
                printJson({ ready: true, peerId: status.peerId, active: status.peers.active, entry });
              return;
            }
          }
        } catch (err) {
          if (!isMurmurError(err, 'MURMUR_NODE_NOT_RUNNING') && !isMurmurError(err, 'MURMUR_TIMEOUT'))
            throw err;
          last = err;
        }
        if (Date.now() >= deadline) {
          if (waitingFor === 'the node to answer' && last !== undefined) throw last;
          throw new MurmurError('MURMUR_TIMEOUT', `gave up after ${timeoutS} s waiting for ${waitingFor}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }),
  );
}
