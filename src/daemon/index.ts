import { collectDefaultMetrics } from 'prom-client';
import { ensureApiToken, ensureDataDir, removeApiInfo, writeApiInfo } from '../api/files.ts';
import { registerDashboardRoutes } from '../api/routes/dashboard.ts';
import { registerKindRoutes } from '../api/routes/kinds.ts';
import { registerNodeRoutes } from '../api/routes/node.ts';
import { ApiServer } from '../api/server.ts';
import type { MurmurConfig } from '../config/index.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import { KINDS } from '../kinds/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import type { MurmurNode } from '../node/types.ts';
import type { NodeService } from '../service/context.ts';
import type { DataKind } from '../service/kind.ts';
import { EPHEMERAL_LISTEN, STOP_TIMEOUT_MS } from './constants.ts';
import { defaultNodeFactory, type NodeFactory } from './node-factory.ts';

export { defaultNodeFactory, type NodeFactory } from './node-factory.ts';

export interface DaemonOptions {
  config: MurmurConfig;
  logger?: Logger;
  /** Default: createNode() of src/node. */
  createNode?: NodeFactory;
  /** Interval of SSE heartbeats (tests shorten it). */
  sseHeartbeatMs?: number;
  /** Called with the API server before it starts, so other modules can add routes. */
  routes?: (api: ApiServer, node: MurmurNode) => void;
  /** The data kinds' descriptors, for GET /v1/kinds and the dashboard cards (default: src/kinds). */
  kinds?: readonly DataKind[];
  /** Services run inside the node (passed to createNode); each one's `routes(api)` is added too. */
  services?: NodeService[];
}

/**
 * A running murmur node with its local API: creates the data folder and the API token, starts the
 * node, serves the API on loopback and writes <data>/api.json; stop() undoes it all in reverse.
 */
export class Daemon {
  readonly config: MurmurConfig;
  readonly #log: Logger;
  readonly #factory: NodeFactory;
  readonly #options: DaemonOptions;
  #node: MurmurNode | undefined;
  #api: ApiServer | undefined;
  #running = false;

  constructor(options: DaemonOptions) {
    this.config = options.config;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#factory = options.createNode ?? defaultNodeFactory;
  }

  get node(): MurmurNode {
    if (!this.#node) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'the daemon is not started');
    return this.#node;
  }

  get apiUrl(): string {
    if (!this.#api) throw new MurmurError('MURMUR_NODE_NOT_STARTED', 'the daemon is not started');
    return this.#api.url;
  }

  get running(): boolean {
    return this.#running;
  }

  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (this.#running) return;
    const { config } = this;
    await ensureDataDir(config.dataDir);
    const token = await ensureApiToken(config.dataDir);
    try {
      this.#node = await this.#startNode(config.listen, options.signal);
      // the process's runtime series (CPU, memory, event-loop lag, GC, handles): one daemon per
      // process, so the default collectors go on its node's registry (standard names, no prefix)
      collectDefaultMetrics({ register: this.#node.metrics });
      const api = new ApiServer({
        token,
        host: config.api.host,
        port: config.api.port,
        fallbackToEphemeral: config.apiIsDefault,
        logger: this.#log.child({ module: 'api' }),
        metrics: this.#node.metrics,
        ...(this.#options.sseHeartbeatMs === undefined
          ? {}
          : { sseHeartbeatMs: this.#options.sseHeartbeatMs }),
      });
      this.#api = api;
      registerNodeRoutes(api, this.#node);
      registerDashboardRoutes(api);
      for (const s of this.#options.services ?? []) s.routes?.(api);
      registerKindRoutes(api, this.#options.kinds ?? KINDS, this.#options.services ?? []);
      this.#options.routes?.(api, this.#node);
      await api.start(options);
      await writeApiInfo(config.dataDir, { url: api.url, pid: process.pid });
      this.#running = true;
    } catch (err) {
      await this.#teardown().catch((e: unknown) =>
        this.#log.warn({ err: e }, 'cleanup after a failed start failed'),
      );
      throw err;
    }
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#node && !this.#api) return;
    const timeout = AbortSignal.timeout(STOP_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    await this.#teardown(signal);
  }

  async #teardown(signal?: AbortSignal): Promise<void> {
    this.#running = false;
    const api = this.#api;
    const node = this.#node;
    this.#api = undefined;
    this.#node = undefined;
    const errors: unknown[] = [];
    await removeApiInfo(this.config.dataDir).catch((e: unknown) => errors.push(e));
    if (api) await api.stop(signal ? { signal } : {}).catch((e: unknown) => errors.push(e));
    if (node) await node.stop(signal ? { signal } : {}).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) {
      throw new MurmurError('MURMUR_IO', 'the daemon did not stop cleanly', { cause: errors[0] });
    }
  }

  async #startNode(listen: string[], signal: AbortSignal | undefined): Promise<MurmurNode> {
    const { config } = this;
    const node = await this.#factory({
      dataDir: config.dataDir,
      listen,
      bootstrap: config.bootstrap,
      networkId: config.networkId,
      encryption: config.encryption,
      logger: this.#log.child({ module: 'node' }),
      ...(config.iface === undefined ? {} : { iface: config.iface }),
      ...(this.#options.services === undefined ? {} : { services: this.#options.services }),
    });
    try {
      await node.start(signal ? { signal } : {});
      return node;
    } catch (err) {
      await node.stop().catch(() => {});
      if (config.listenIsDefault && listen !== EPHEMERAL_LISTEN && isAddressInUse(err)) {
        this.#log.warn({ listen }, 'default listen port in use, using a free port instead');
        return this.#startNode(EPHEMERAL_LISTEN, signal);
      }
      throw err;
    }
  }
}

/** Whether an error (or one of its causes) is an EADDRINUSE. */
function isAddressInUse(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; message?: unknown };
    if (
      x.code === 'EADDRINUSE' ||
      (typeof x.message === 'string' && /EADDRINUSE|address already in use/i.test(x.message))
    ) {
      return true;
    }
  }
  return false;
}
