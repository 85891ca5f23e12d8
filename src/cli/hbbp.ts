/**
 * `hbbp` command: send one datagram, listen and run handlers, or create key files (docs/HBBP.md).
 * Errors print `hbbp: CODE: message` on stderr and exit 1.
 */
import { Command, InvalidArgumentError } from 'commander';
import { isMurmurError, MurmurError } from '../errors/index.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_QUEUE,
  DEFAULT_RATE_PER_SEC,
  DEFAULT_REPLAY_WINDOW_MS,
  generateKeyFiles,
  HandlerRunner,
  HBBP_PORT,
  KeyRing,
  listen,
  maxPayload,
  maxSealedPayload,
  SEAL_OVERHEAD,
  send,
} from '../hbbp/index.ts';

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    return n;
  };
}

function rate(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(v);
  if (!m) throw new InvalidArgumentError('rate must look like 20 or 20/s (0 = unlimited)');
  return Number(m[1]);
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function fail(err: unknown): never {
  if (isMurmurError(err)) process.stderr.write(`hbbp: ${err.code}: ${err.message}\n`);
  else process.stderr.write(`hbbp: MURMUR_IO: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
}

const program = new Command('hbbp')
  .description('HBBP: a tiny broadcast protocol over link-local UDP multicast (ff02::1, port 4950)')
  .showHelpAfterError();

program
  .command('send')
  .description('send KEY\\0PAYLOAD to ff02::1%IFACE (PAYLOAD "-" = stdin)')
  .argument('<iface>', 'interface to send on')
  .argument('<key>', 'key (the handler name on the receivers)')
  .argument('[payload]', 'payload, or - to read it from stdin')
  .option('--port <n>', 'UDP port', int('port', 1, 65535), HBBP_PORT)
  .option('--address <addr>', 'destination address instead of ff02::1%IFACE')
  .option('--keydir <dir>', 'encrypt with the key set found for KEY in this folder')
  .action(async (iface: string, key: string, payloadArg: string | undefined, o) => {
    try {
      const payload = payloadArg === '-' ? await readStdin() : new TextEncoder().encode(payloadArg ?? '');
      const keyring = o.keydir ? await KeyRing.load(o.keydir) : undefined;
      await send({ iface, key, payload, port: o.port, address: o.address, keyring });
    } catch (err) {
      fail(err);
    }
  });

program
  .command('listen')
  .description('receive datagrams and run HANDLERS/KEY with the payload on stdin')
  .argument('[iface]', 'interface to listen on (default: all)')
  .requiredOption('--handlers <dir>', 'handler folder (the original /hbbp)')
  .option('--port <n>', 'UDP port (0 = any free port, printed)', int('port', 0, 65535), HBBP_PORT)
  .option('--address <addr>', 'address to bind (default ::; ff02::1%IFACE = kernel filters by device)')
  .option('--keydir <dir>', 'decrypt keys that have a key set in this folder')
  .option('--require-encryption', 'with --keydir: drop clear datagrams for keys without a key set')
  .option('--queue <n>', 'handler jobs waiting at most', int('queue', 0, 1_000_000), DEFAULT_QUEUE)
  .option(
    '--timeout <ms>',
    'handler time limit (then SIGKILL)',
    int('timeout', 1, 86_400_000),
    DEFAULT_HANDLER_TIMEOUT_MS,
  )
  .option('--rate <n/s>', 'datagrams per second per sender (0 = unlimited)', rate, DEFAULT_RATE_PER_SEC)
  .option('--burst <n>', 'burst per sender (default 2 x rate)', int('burst', 1, 1_000_000))
  .option('--concurrency <n>', 'handlers running at once', int('concurrency', 1, 1024), DEFAULT_CONCURRENCY)
  .option(
    '--replay-window <ms>',
    'accepted clock skew of encrypted datagrams',
    int('replay-window', 1, 86_400_000),
    DEFAULT_REPLAY_WINDOW_MS,
  )
  .action(async (iface: string | undefined, o) => {
    const err = (line: string): void => {
      process.stderr.write(`hbbp: ${line}\n`);
    };
    let runner: HandlerRunner | undefined;
    try {
      const keyring = o.keydir ? await KeyRing.load(o.keydir) : undefined;
      runner = new HandlerRunner({
        dir: o.handlers,
        iface: iface ?? '',
        queue: o.queue,
        concurrency: o.concurrency,
        timeoutMs: o.timeout,
        onEvent: (ev) => {
          if (ev.type === 'drop')
            err(`drop reason=${ev.reason} key=${JSON.stringify(ev.key)} from=${ev.from}`);
          else if (ev.type === 'done')
            err(`handler key=${JSON.stringify(ev.key)} from=${ev.from} ok ${ev.ms}ms`);
          else if (ev.type === 'timeout')
            err(`handler key=${JSON.stringify(ev.key)} from=${ev.from} killed after ${ev.ms}ms`);
          else {
            const why = ev.error ?? (ev.signal ? `signal ${ev.signal}` : `exit ${ev.code}`);
            err(
              `handler key=${JSON.stringify(ev.key)} from=${ev.from} failed: ${why}${ev.stderr ? `: ${ev.stderr.trim()}` : ''}`,
            );
          }
        },
      });
      const r = runner;
      const listener = await listen({
        iface,
        port: o.port,
        address: o.address,
        keyring,
        requireEncryption: Boolean(o.requireEncryption),
        replayWindowMs: o.replayWindow,
        rateLimit: { perSecond: o.rate, burst: o.burst },
        onMessage: (m) => {
          err(
            `recv key=${JSON.stringify(m.key)} from=${m.from.address} bytes=${m.payload.length}${m.authenticated ? ' authenticated' : ''}`,
          );
          r.enqueue(m);
        },
        onDrop: (reason, info) => {
          const code = isMurmurError(info.error) ? ` ${info.error.code}` : '';
          err(
            `drop reason=${reason}${info.key !== undefined ? ` key=${JSON.stringify(info.key)}` : ''} from=${info.from.address}${code}`,
          );
        },
      });
      const a = listener.address();
      err(`listening on [${a.address}]:${a.port}${iface ? ` iface ${iface}` : ''} handlers ${o.handlers}`);
      const stop = async (): Promise<void> => {
        await listener.close();
        await r.stop();
        const stats: Record<string, number> = listener.stats();
        for (const [k, v] of Object.entries(r.stats())) stats[k] = (stats[k] ?? 0) + v;
        process.stdout.write(`${JSON.stringify(stats)}\n`);
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    } catch (e) {
      await runner?.stop();
      fail(e);
    }
  });

program
  .command('keygen')
  .description('create a key set (send.priv, send.pub, recv.priv, recv.pub, mode 0600) in DIR')
  .argument('<dir>', 'key folder, e.g. KEYDIR/default or KEYDIR/p2ptbl')
  .action(async (dir: string) => {
    try {
      await generateKeyFiles(dir);
      process.stderr.write(
        `hbbp: wrote key set to ${dir}; encryption adds ${SEAL_OVERHEAD} bytes: usable payload = 1232 - key bytes - 1 - ${SEAL_OVERHEAD}\n`,
      );
    } catch (err) {
      fail(err);
    }
  });

program
  .command('maxsize')
  .description('print the largest payload that fits one datagram for KEY')
  .argument('<key>')
  .option('--encrypted', 'with the encrypted envelope')
  .action((key: string, o) => {
    try {
      process.stdout.write(`${o.encrypted ? maxSealedPayload(key) : Math.max(0, maxPayload(key))}\n`);
    } catch (err) {
      fail(err);
    }
  });

program.exitOverride((e) => {
  process.exit(e.exitCode === 0 ? 0 : 1);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof MurmurError) fail(err);
  throw err;
}
