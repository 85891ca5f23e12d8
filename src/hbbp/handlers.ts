/**
 * Runs `DIR/KEY` for each received datagram, as the original hbbpd: payload on stdin, and in the
 * environment (inherited from the listener) HBBP_KEY, HBBP_SENDER, HBBP_SENDER_PORT and HBBP_IFACE.
 * Bounded queue, bounded concurrency, a time limit (SIGKILL of the handler's process group after it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_QUEUE,
  HANDLER_EXIT_GRACE_MS,
  HANDLER_OUTPUT_CAP,
} from './constants.ts';
import { validateKey } from './datagram.ts';

export interface HandlerJob {
  key: string;
  payload: Uint8Array;
  from: { address: string; port: number };
}

export type HandlerEvent =
  | { type: 'done'; key: string; from: string; code: number; ms: number }
  | {
      type: 'failed';
      key: string;
      from: string;
      code: number | null;
      signal: string | null;
      error?: string;
      stderr: string;
      ms: number;
    }
  | { type: 'timeout'; key: string; from: string; ms: number }
  | { type: 'drop'; key: string; from: string; reason: 'bad_key' | 'no_handler' | 'queue_full' | 'stopped' };

export interface HandlerRunnerOptions {
  /** The handler directory (the original's /hbbp). */
  dir: string;
  /** Interface name put in HBBP_IFACE ('' when listening on all). */
  iface?: string;
  /** Jobs waiting at most (default 64); beyond it new jobs are dropped and counted. */
  queue?: number;
  /** Handlers running at once (default 1, as the original). */
  concurrency?: number;
  /** Time limit per handler in ms (default 10 000), then SIGKILL. */
  timeoutMs?: number;
  /** Base environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  onEvent?: (ev: HandlerEvent) => void;
}

/**
 * The executable for `key` inside `dir`, resolved lexically (a symlink inside DIR pointing elsewhere is
 * fine). Throws MURMUR_HBBP_BAD_KEY for an unsafe key or one that escapes DIR.
 */
export function resolveHandler(dir: string, key: string): string {
  validateKey(key);
  const base = resolve(dir);
  const path = resolve(base, key);
  if (!path.startsWith(base + sep)) {
    throw new MurmurError(
      'MURMUR_HBBP_BAD_KEY',
      `key ${JSON.stringify(key)} does not name a file inside ${base}`,
    );
  }
  return path;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class HandlerRunner {
  readonly #opts: Required<Omit<HandlerRunnerOptions, 'logger' | 'onEvent' | 'env'>> & {
    env: NodeJS.ProcessEnv;
  };
  readonly #log: Logger;
  readonly #onEvent: ((ev: HandlerEvent) => void) | undefined;
  readonly #queue: { job: HandlerJob; path: string }[] = [];
  readonly #running = new Set<ChildProcess>();
  readonly #stats = {
    enqueued: 0,
    handled: 0,
    handler_failed: 0,
    handler_timeout: 0,
    dropped_bad_key: 0,
    dropped_no_handler: 0,
    dropped_queue_full: 0,
  };
  #active = 0;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(opts: HandlerRunnerOptions) {
    this.#opts = {
      dir: resolve(opts.dir),
      iface: opts.iface ?? '',
      queue: Math.max(0, opts.queue ?? DEFAULT_QUEUE),
      concurrency: Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY),
      timeoutMs: Math.max(1, opts.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS),
      env: opts.env ?? process.env,
    };
    this.#log = (opts.logger ?? silentLogger).child({ module: 'hbbp-handlers' });
    this.#onEvent = opts.onEvent;
  }

  /** Queues a job; returns false (and counts why) if it was dropped. Never throws. */
  enqueue(job: HandlerJob): boolean {
    const from = job.from.address;
    if (this.#stopped) return this.#drop(job.key, from, 'stopped');
    let path: string;
    try {
      path = resolveHandler(this.#opts.dir, job.key);
    } catch {
      this.#stats.dropped_bad_key++;
      return this.#drop(job.key, from, 'bad_key');
    }
    if (!isExecutableFile(path)) {
      this.#stats.dropped_no_handler++;
      return this.#drop(job.key, from, 'no_handler');
    }
    if (this.#active >= this.#opts.concurrency && this.#queue.length >= this.#opts.queue) {
      this.#stats.dropped_queue_full++;
      return this.#drop(job.key, from, 'queue_full');
    }
    this.#stats.enqueued++;
    this.#queue.push({ job, path });
    this.#pump();
    return true;
  }

  stats(): Record<string, number> {
    return { ...this.#stats, queued: this.#queue.length, running: this.#active };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Drops the queue and kills running handlers; resolves when they have exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.length = 0;
    for (const child of this.#running) killGroup(child);
    await this.idle();
  }

  #drop(key: string, from: string, reason: 'bad_key' | 'no_handler' | 'queue_full' | 'stopped'): false {
    this.#log.debug({ key, from, reason }, 'hbbp handler job dropped');
    this.#emit({ type: 'drop', key, from, reason });
    return false;
  }

  #emit(ev: HandlerEvent): void {
    try {
      this.#onEvent?.(ev);
    } catch (err) {
      this.#log.warn({ err }, 'hbbp onEvent callback threw');
    }
  }

  #pump(): void {
    while (this.#active < this.#opts.concurrency) {
      const next = this.#queue.shift();
      if (!next) break;
      this.#active++;
      this.#run(next.job, next.path).finally(() => {
        this.#active--;
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) {
          for (const w of this.#idleWaiters.splice(0)) w();
        }
      });
    }
  }

  #run(job: HandlerJob, path: string): Promise<void> {
    const started = Date.now();
    const from = job.from.address;
    return new Promise<void>((done) => {
      let child: ChildProcess;
      try {
        child = spawn(path, [], {
          cwd: this.#opts.dir,
          detached: true,
          stdio: ['pipe', 'ignore', 'pipe'],
          env: {
            ...this.#opts.env,
            HBBP_KEY: job.key,
            HBBP_SENDER: from,
            HBBP_SENDER_PORT: String(job.from.port),
            HBBP_IFACE: this.#opts.iface,
          },
        });
      } catch (err) {
        this.#stats.handler_failed++;
        this.#emit({
          type: 'failed',
          key: job.key,
          from,
          code: null,
          signal: null,
          error: String(err),
          stderr: '',
          ms: 0,
        });
        done();
        return;
      }
      this.#running.add(child);
      let stderr = '';
      let timedOut = false;
      let spawnError: Error | undefined;
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < HANDLER_OUTPUT_CAP)
          stderr += d.toString('utf8').slice(0, HANDLER_OUTPUT_CAP - stderr.length);
      });
      child.stdin?.on('error', () => {}); // a handler that does not read its stdin is fine
      child.stdin?.end(job.payload);
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, this.#opts.timeoutMs);
      child.on('error', (err) => {
        spawnError = err;
      });
      // 'close' once stderr is drained; but a grandchild holding the pipe must not keep the slot busy,
      // so after 'exit' wait at most HANDLER_EXIT_GRACE_MS for it.
      let grace: NodeJS.Timeout | undefined;
      child.once('close', (code, signal) => finish(code, signal));
      child.once('exit', (code, signal) => {
        grace = setTimeout(() => finish(code, signal), HANDLER_EXIT_GRACE_MS);
      });
      child.once('error', () => {
        if (child.pid === undefined) finish(null, null);
      });
      let finished = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearTimeout(grace);
        this.#running.delete(child);
        if (timedOut) killGroup(child); // also reap grandchildren left behind
        const ms = Date.now() - started;
        if (timedOut) {
          this.#stats.handler_timeout++;
          this.#log.warn({ key: job.key, from, ms }, 'hbbp handler killed after time limit');
          this.#emit({ type: 'timeout', key: job.key, from, ms });
        } else if (code === 0) {
          this.#stats.handled++;
          this.#emit({ type: 'done', key: job.key, from, code, ms });
        } else {
          this.#stats.handler_failed++;
          this.#log.warn({ key: job.key, from, code, signal, stderr }, 'hbbp handler failed');
          this.#emit({
            type: 'failed',
            key: job.key,
            from,
            code,
            signal,
            error: spawnError?.message,
            stderr,
            ms,
          });
        }
        done();
      };
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
