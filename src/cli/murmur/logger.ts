import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../../log/index.ts';

/** The CLI's logger: readable (pino-pretty) on a terminal, JSON lines otherwise; to stdout. */
export function createCliLogger(
  level: string,
  options: { pretty?: boolean; stderr?: boolean } = {},
): Logger & { flush(): void } {
  const fd = options.stderr ? 2 : 1;
  const usePretty = options.pretty ?? (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  if (usePretty) {
    return pino(
      { level },
      pretty({
        colorize: true,
        sync: true,
        destination: fd,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
      }),
    );
  }
  return pino({ level }, pino.destination({ dest: fd, sync: true }));
}
