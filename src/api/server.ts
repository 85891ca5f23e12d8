import './codes.ts';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, type Registry } from 'prom-client';
import { isLoopbackHost } from '../config/address.ts';
import { httpStatusOf, MurmurError, throwIfAborted } from '../errors/index.ts';
import { readJsonBody } from '../http/body.ts';
import { openSse, type SseStream } from '../http/sse.ts';
import type { RouteTable } from '../http/types.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { MAX_JSON_BODY_BYTES, SSE_HEARTBEAT_MS, STOP_GRACE_MS } from './constants.ts';
import {
  type HttpMethod,
  type RouteContext,
  type RouteHandler,
  type RouteOptions,
  Router,
} from './router.ts';

export interface ApiServerOptions {
  /** Bearer token every route but the public ones requires. */
  token: string;
  /** Loopback host (MURMUR_API_NOT_LOOPBACK otherwise). Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** If the port is taken, listen on an ephemeral one instead of failing. */
  fallbackToEphemeral?: boolean;
  /** Interval of SSE heartbeat comments. */
  sseHeartbeatMs?: number;
  logger?: Logger;
  /** Registry to count requests in (`murmur_api_requests_total{method,route,status}`). */
  metrics?: Registry;
}

/**
 * The local HTTP API: loopback only, bearer token, JSON, server-sent events. Other modules add
 * routes with `route()` before or after start (see docs/API.md).
 */
export class ApiServer implements RouteTable {
  readonly #router = new Router();
  readonly #token: Buffer;
  readonly #host: string;
  readonly #port: number;
  readonly #fallback: boolean;
  readonly #log: Logger;
  readonly #heartbeatMs: number;
  readonly #stopping = new AbortController();
  readonly #requests: Counter<'method' | 'route' | 'status'> | undefined;
  readonly #latency: Histogram<'method' | 'route'> | undefined;
  #server: Server | undefined;
  #url: string | undefined;

  constructor(options: ApiServerOptions) {
    const host = options.host ?? '127.0.0.1';
    if (!isLoopbackHost(host)) {
      throw new MurmurError(
        'MURMUR_API_NOT_LOOPBACK',
        `the local API must listen on a loopback address, not "${host}" (use 127.0.0.1 or ::1)`,
        { details: { host } },
      );
    }
    this.#token = Buffer.from(options.token);
    this.#host = host.replace(/^\[(.*)\]$/, '$1');
    this.#port = options.port ?? 0;
    this.#fallback = options.fallbackToEphemeral ?? false;
    this.#heartbeatMs = options.sseHeartbeatMs ?? SSE_HEARTBEAT_MS;
    this.#log = options.logger ?? silentLogger;
    if (options.metrics) {
      const existing = options.metrics.getSingleMetric('murmur_api_requests_total');
      this.#requests =
        (existing as Counter<'method' | 'route' | 'status'> | undefined) ??
        new Counter({
          name: 'murmur_api_requests_total',
          help: 'Local API requests by method, route pattern and HTTP status',
          labelNames: ['method', 'route', 'status'],
          registers: [options.metrics],
        });
      this.#latency =
        (options.metrics.getSingleMetric('murmur_api_request_duration_seconds') as
          | Histogram<'method' | 'route'>
          | undefined) ??
        new Histogram({
          name: 'murmur_api_request_duration_seconds',
          help: 'Local API request latency (to the end of the response; long-lived SSE streams excluded)',
          labelNames: ['method', 'route'],
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [options.metrics],
        });
    }
  }

  /** Base URL (`http://127.0.0.1:9022`) once started. */
  get url(): string {
    if (this.#url === undefined)
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'API server is not started');
    return this.#url;
  }

  /** Registers a route; see Router for the pattern syntax. */
  route(method: HttpMethod, pattern: string, handler: RouteHandler, options?: RouteOptions): void {
    this.#router.add(method, pattern, handler, options);
  }

  /** Opens a server-sent events stream on a response, closed when the server stops. */
  sse(res: ServerResponse): SseStream {
    return openSse(res, { heartbeatMs: this.#heartbeatMs, signal: this.#stopping.signal });
  }

  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    const server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const body = JSON.stringify({
        error: { code: 'MURMUR_API_BAD_REQUEST', message: 'malformed HTTP request' },
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 0; // SSE streams stay open
    try {
      await listen(server, this.#host, this.#port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && this.#fallback && this.#port !== 0) {
        this.#log.warn({ port: this.#port }, 'API port in use, using a free port instead');
        await listen(server, this.#host, 0);
      } else {
        const code = (err as NodeJS.ErrnoException).code;
        throw new MurmurError(
          code === 'EADDRINUSE' ? 'MURMUR_IO' : 'MURMUR_BAD_ADDRESS',
          code === 'EADDRINUSE'
            ? `API address ${this.#host}:${this.#port} is already in use (pick another with --api 127.0.0.1:PORT)`
            : `cannot listen on ${this.#host}:${this.#port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.#server = server;
    this.#url = `http://${host}:${addr.port}`;
  }

  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#stopping.abort();
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    const onAbort = (): void => server.closeAllConnections();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // aborted when the client goes away or the server stops; the listener on the long-lived stop
    // signal is removed with the response (no AbortSignal.any: its dependants stay reachable from
    // the stop signal)
    const ac = new AbortController();
    const stop = this.#stopping.signal;
    const onStop = (): void => ac.abort(stop.reason);
    if (stop.aborted) ac.abort(stop.reason);
    else stop.addEventListener('abort', onStop, { once: true });
    res.on('close', () => {
      stop.removeEventListener('abort', onStop);
      ac.abort();
    });
    const signal = ac.signal;
    let pattern = 'unmatched';
    if (this.#requests) {
      const counter = this.#requests;
      const latency = this.#latency;
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        counter.inc({ method: req.method ?? 'GET', route: pattern, status: res.statusCode });
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
        latency?.observe(
          { method: req.method ?? 'GET', route: pattern },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      });
    }
    try {
      const hostHeader = req.headers.host;
      if (hostHeader !== undefined && !isLoopbackHost(hostHeader.replace(/:\d+$/, ''))) {
        throw new MurmurError('MURMUR_API_FORBIDDEN_HOST', 'requests must address a loopback host name');
      }
      const rawUrl = req.url ?? '/';
      if (!rawUrl.startsWith('/')) throw new MurmurError('MURMUR_API_BAD_REQUEST', 'bad request target');
      const q = rawUrl.indexOf('?');
      const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
      const { route, params } = this.#router.match(req.method ?? 'GET', path);
      pattern = route.pattern;
      if (route.options.auth) this.#checkAuth(req);
      const ctx: RouteContext = {
        req,
        res,
        params,
        query,
        signal,
        json: async <T>(opts: { maxBytes?: number } = {}) =>
          (await readJsonBody(req, opts.maxBytes ?? MAX_JSON_BODY_BYTES)) as T,
      };
      const result = await route.handler(ctx);
      if (res.headersSent || res.writableEnded) return;
      if (result === undefined) {
        res.writeHead(204).end();
      } else {
        sendJson(res, 200, result);
      }
    } catch (err) {
      this.#sendError(req, res, err);
    }
  }

  #checkAuth(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = Buffer.from(m?.[1] ?? '');
    if (!m || given.length !== this.#token.length || !timingSafeEqual(given, this.#token)) {
      throw new MurmurError(
        'MURMUR_API_UNAUTHORIZED',
        m
          ? 'wrong API token'
          : 'missing API token (send Authorization: Bearer <token from <data>/api-token>)',
      );
    }
  }

  #sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let body: { code: string; message: string; details?: unknown };
    let status: number;
    if (err instanceof MurmurError) {
      status = httpStatusOf(err);
      body = err.toJSON();
      if (status >= 500) this.#log.warn({ err, url: req.url }, 'API request failed');
    } else {
      status = 500;
      body = { code: 'MURMUR_API_INTERNAL', message: 'internal error (see the node log)' };
      this.#log.error({ err, url: req.url, method: req.method }, 'API handler crashed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="murmur"');
    sendJson(res, status, { error: body });
    if (!req.complete) req.resume();
  }
}

/** Sends a JSON response. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
