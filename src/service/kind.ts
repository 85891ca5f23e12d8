import type { Command } from 'commander';
import type { ApiRequester } from '../http/types.ts';
import type { Logger } from '../log/index.ts';
import type { NodeService } from './context.ts';

/**
 * One setting of a data kind, given (highest first) as a `murmur start` flag, an environment variable
 * or a key of `<data>/config.json`. The raw value reaches the kind's `configure()` unvalidated.
 */
export interface KindSetting {
  /** camelCase; the config.json key and what commander names the flag's value (`chunksCapacity`). */
  key: string;
  /** The commander flag: `--chunks-capacity <size>`, or `--no-journal-compact` for a boolean off switch. */
  flag: string;
  /** Environment variable (`MURMUR_CHUNKS_CAPACITY`). */
  env: string;
  /** One line for `murmur start --help` and docs/CLI.md. */
  help: string;
  /** JSON types accepted in config.json: 'string' also takes numbers when 'number' is listed. */
  accepts: readonly ('string' | 'number' | 'boolean')[];
  /** False: a flag and env only, not a config.json key (a path to a secret, say). Default true. */
  inFile?: boolean;
}

/** The raw values of a kind's settings as picked (flag > env > config.json); absent ones undefined. */
export type RawKindSettings = Record<string, string | number | boolean | undefined>;

/** What a kind's factory is given by the daemon. */
export interface KindInput<C> {
  /** Absolute data folder of the node (the kind's files go under it). */
  dataDir: string;
  /** The kind's validated settings (its `configure()` result). */
  config: C;
  logger: Logger;
  env: Record<string, string | undefined>;
}

/** What the CLI lends a kind's commands (src/cli implements it), so commands stay in the kind's folder. */
export interface CliKit {
  /** Adds `--data <dir>` and `--json` to a client command. */
  clientOptions(cmd: Command): Command;
  /** The local API client of the node running on the flags' data folder. */
  client(flags: { data?: string }): Promise<ApiRequester>;
  /** The API's base URL and bearer token (for streaming requests the client does not cover). */
  endpoint(flags: { data?: string }): Promise<{ url: string; token: string }>;
  /** Wraps an action so that every error is reported the same way (code, exit status). */
  action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void>;
  printJson(value: unknown): void;
  /** Plain-text table (header + rows, columns padded). */
  table(header: string[], rows: string[][]): string;
  /** Bytes as B / KiB / MiB / GiB. */
  formatBytes(n: number): string;
  /**
   * The size of a file named on the command line; a missing one is MURMUR_CLI_FILE_NOT_FOUND, a folder
   * MURMUR_INVALID_ARGUMENT, another failure MURMUR_IO (each naming the file).
   */
  inputFileSize(path: string): Promise<number>;
  /** The error of an error answer of the local API (for requests made through `endpoint`). */
  responseError(status: number, body: string): Error;
}

/** A dashboard card of a kind: a one-line note and label/value items (GET /v1/kinds/<name>/card). */
export interface KindCard {
  note: string;
  items: [label: string, value: string][];
}

/** One node of `murmur demo` as a kind's demo step sees it. */
export interface DemoNodeView<S extends NodeService> {
  name: string;
  service: S;
}

/** Outcome of a kind's demo step (the summary line and `--json`). */
export interface DemoResult {
  converged: boolean;
  /** Time from the write to convergence (ms), -1 if it did not converge. */
  ms: number;
  detail: string;
  [k: string]: unknown;
}

/** A running demo step: started by `write`, polled with `converged`, summed up by `result`. */
export interface DemoCheck {
  write(options: { signal?: AbortSignal }): Promise<void>;
  converged(): boolean;
  result(): DemoResult;
  /** One live line while the demo waits ('' for none). */
  progress(): string;
  stop?(): void;
}

export interface KindDemo<S extends NodeService> {
  /** Summary label: `tree (kv)`. */
  label: string;
  /** What the step does, one line (shown while it runs). */
  status(nodes: readonly DemoNodeView<S>[]): string;
  check(nodes: readonly DemoNodeView<S>[]): DemoCheck;
}

/**
 * A data kind, described once: the daemon, config, CLI, API, dashboard and demo iterate the registered
 * kinds (src/kinds) instead of naming each one. See docs/SERVICES.md "Adding a data kind".
 */
export interface DataKind<S extends NodeService = NodeService, C = unknown> {
  /** The service name: lowercase, also storage namespace, metrics prefix and `node.services` key. */
  name: string;
  /** For people: `Tree`, `Journals`. */
  title: string;
  /** One line: what the kind keeps in sync. */
  summary: string;
  settings: readonly KindSetting[];
  /** Validates the raw settings (MURMUR_CONFIG_INVALID naming flag, env and key on a bad value). */
  configure(raw: RawKindSettings): C;
  /** Builds the kind's service for a node. */
  create(input: KindInput<C>): S | Promise<S>;
  /** Adds the kind's `murmur` commands. */
  commands?(program: Command, kit: CliKit): void;
  /** The dashboard card, read from the running service. */
  card?(service: S): KindCard | Promise<KindCard>;
  /** The kind's step of `murmur demo`. */
  demo?: KindDemo<S>;
  /** What `murmur start` suggests typing next (`command` without the leading `murmur`). */
  hints?: readonly { command: string; what: string }[];
}

/** Identity function that types a kind descriptor (so `S` and `C` are inferred). */
export function defineKind<S extends NodeService, C>(kind: DataKind<S, C>): DataKind<S, C> {
  return kind;
}
