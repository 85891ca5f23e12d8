import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../../log/index.ts';

/** The CLI's logger: readable (pino-pretty) on a terminal, JSON lines otherwise; to stdout. */
export function createCliLogger(
  level: string,
  options: { pretty?: boolean } = {},
): Logger & { flush(): void } {
  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  if (usePretty) {
    return pino(
      { level },
      pretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
    ) as unknown as Logger & { flush(): void };
  }
  return pino({ level }, pino.destination({ dest: 1, sync: true })) as unknown as Logger & { flush(): void };
}
