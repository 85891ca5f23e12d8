import { relative } from 'node:path';
import type { Command } from 'commander';
import { readApiToken } from '../../api/files.ts';
import type { LogLevel, RawSettings } from '../../config/index.ts';
import { STOP_TIMEOUT_MS } from '../../daemon/constants.ts';
import { KINDS } from '../../kinds/index.ts';
import { action } from './common.ts';
import { dashboardLink } from './dashboard.ts';

/** `murmur start` flags: the settings (as one source for loadConfig) and one of its own. */
type StartFlags = RawSettings & { pretty?: boolean };

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** How to run the murmur command from where the user stands. */
export function murmurCommand(cwd = process.cwd()): string {
  const bin = relative(cwd, new URL('../../../bin/murmur', import.meta.url).pathname);
  return bin.startsWith('.') || bin.startsWith('/') ? bin : `./${bin}`;
}

export function registerStart(program: Command): void {
  const cmd = program
    .command('start')
    .description('run a murmur node in the foreground (Ctrl-C stops it)')
    .option('--data <dir>', 'data folder (default .murmur; env MURMUR_DATA)')
    .option(
      '--listen <multiaddr>',
      'libp2p listen address, repeatable (default /ip4/0.0.0.0/tcp/9021)',
      collect,
    )
    .option('--bootstrap <multiaddr>', 'peer to dial at start, with /p2p/<id>; repeatable', collect)
    .option('--iface <name>', 'LAN interface for HBBP discovery')
    .option('--api <host:port>', 'local API address, loopback only (default 127.0.0.1:9022)')
    .option('--network <id>', "network id; nodes of other networks are refused (default 'murmur')")
    .option('--log-level <level>', 'trace, debug, info, warn, error, silent (default info)')
    .option('--encryption <kind>', 'noise or tls (default noise)')
    .option('--no-pretty', 'JSON log lines even on a terminal');
  // every data kind's settings (src/kinds)
  for (const setting of KINDS.flatMap((k) => k.settings)) cmd.option(setting.flag, setting.help);
  cmd.action(action(async (flags: StartFlags) => runStart(flags)));
}

/** The flags as settings: a `--no-x` switch counts only when given (commander defaults it to true). */
function settingsOf(flags: StartFlags): RawSettings {
  const { pretty: _pretty, ...settings } = flags;
  for (const s of KINDS.flatMap((k) => k.settings)) {
    if (s.flag.startsWith('--no-') && settings[s.key] === true) delete settings[s.key];
  }
  return settings;
}

async function runStart(flags: StartFlags): Promise<void> {
  const { pretty } = flags;
  const { loadConfig } = await import('../../config/index.ts');
  const config = await loadConfig({ flags: settingsOf(flags), env: process.env, cwd: process.cwd() });
  const { createCliLogger } = await import('./logger.ts'); // pino-pretty only for start/demo
  const log = createCliLogger(config.logLevel as LogLevel, pretty === false ? { pretty: false } : {});
  const services = [];
  for (const kind of KINDS) {
    services.push(
      await kind.create({
        dataDir: config.dataDir,
        config: config.kinds?.[kind.name] ?? kind.configure({}),
        logger: log.child({ kind: kind.name }),
        env: process.env,
      }),
    );
  }
  const { Daemon } = await import('../../daemon/index.ts'); // loaded by start only (CLI start-up time)
  const daemon = new Daemon({ config, logger: log, services });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    const hard = setTimeout(() => {
      log.error('clean shutdown took too long: exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS + 2000);
    hard.unref();
    daemon.stop().then(
      () => {
        log.info('stopped');
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // a store that cannot be reopened after a failed write: exit non-zero for the supervisor
  const fatal = ({ error, reason }: { error: unknown; reason: string }): void => {
    if (stopping) return;
    stopping = true;
    log.error({ err: error }, `${reason}: exiting for the supervisor to restart the node`);
    const hard = setTimeout(() => process.exit(1), STOP_TIMEOUT_MS + 2000);
    hard.unref();
    void daemon
      .stop()
      .catch(() => {})
      .finally(() => {
        log.flush();
        process.exit(1);
      });
  };

  log.info({ dataDir: config.dataDir, network: config.networkId }, 'starting murmur node');
  await daemon.start();
  daemon.node.on('fatal', fatal);
  const status = daemon.node.status();
  const cmd = murmurCommand();
  const dataFlag =
    config.dataDir === new URL('.murmur', `file://${process.cwd()}/`).pathname
      ? ''
      : ` --data ${config.dataDir}`;
  log.info(
    {
      peerId: daemon.node.peerId,
      overlay: daemon.node.overlay,
      addresses: status.addresses,
      api: daemon.apiUrl,
      // the link itself, also when the output goes to a file or a journal (the token stays out of logs:
      // `murmur dashboard` prints the logged-in link)
      dashboard: `${daemon.apiUrl}/`,
      login: `${cmd} dashboard${dataFlag}`,
    },
    'murmur node running',
  );
  const token = await readApiToken(config.dataDir);
  const next: [string, string][] = [
    [`${cmd} status${dataFlag}`, 'overlay depth, peers per bin, counters'],
    [`${cmd} peers${dataFlag}`, 'known peers and their states'],
    [`${cmd} connect <multiaddr>${dataFlag}`, 'dial another node (its address ends in /p2p/<id>)'],
    ...KINDS.flatMap((k) => k.hints ?? []).map(({ command, what }): [string, string] => [
      `${cmd} ${command}${dataFlag}`,
      what,
    ]),
    [`${cmd} demo`, 'a 5-node local network converging'],
  ];
  const width = Math.max(...next.map(([c]) => c.length));
  const lines = [
    '',
    `  murmur node ${daemon.node.peerId}`,
    `  network   ${config.networkId}    data ${config.dataDir}`,
    ...status.addresses.map((a) => `  listen    ${a}`),
    `  API       ${daemon.apiUrl}  (token in ${config.dataDir}/api-token)`,
    `  dashboard ${process.stdout.isTTY ? dashboardLink(daemon.apiUrl, token) : `${daemon.apiUrl}/ (run: ${cmd} dashboard${dataFlag})`}`,
    '',
    '  next, in another terminal:',
    ...next.map(([c, what]) => `    ${c.padEnd(width)}  ${what}`),
    '  Ctrl-C stops the node.',
    '',
  ];
  if (process.stdout.isTTY && pretty !== false) process.stdout.write(`${lines.join('\n')}\n`);
  else
    log.info({ next: lines.filter((l) => l.startsWith('    ')).map((l) => l.trim()) }, 'what to type next');
}
