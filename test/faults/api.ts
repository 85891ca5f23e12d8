/**
 * The harness's client of one node's local API. The API listens on 127.0.0.1 inside the node's
 * network namespace, which the harness (in the machine's own namespace) cannot reach; a `socat`
 * in the namespace forwards a Unix socket (the file system is shared) to it. Every request opens a
 * new connection, so a node that was killed mid-request shows as a reset, never as a stale socket.
 */
import { request } from 'node:http';
import type { Readable } from 'node:stream';

/** How a request ended: an answer (any status), or no answer (`outcome` says why). */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** The raw body (files). */
  bytes: Buffer;
}

/**
 * `refused`: nothing reached the node (the socket or the node's port was not there), so nothing was
 * applied; `lost`: the connection broke or timed out after the request was sent (it may have been
 * applied: an indeterminate write).
 */
export class ApiUnreachable extends Error {
  readonly outcome: 'refused' | 'lost';
  constructor(outcome: 'refused' | 'lost', message: string) {
    super(message);
    this.outcome = outcome;
  }
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body (a file) instead of JSON. */
  raw?: Buffer | Readable;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class NodeApi {
  readonly socketPath: string;
  #token: string;

  constructor(socketPath: string, token: string) {
    this.socketPath = socketPath;
    this.#token = token;
  }

  set token(t: string) {
    this.#token = t;
  }

  /** One request; rejects only with ApiUnreachable (an HTTP error status is an answer). */
  call<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const json = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    const headers: Record<string, string> = {
      host: '127.0.0.1',
      authorization: `Bearer ${this.#token}`,
      connection: 'close',
    };
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(json.length);
    } else if (Buffer.isBuffer(o.raw)) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(o.raw.length);
    }
    return new Promise((resolve, reject) => {
      let sent = false;
      const req = request({ socketPath: this.socketPath, method, path, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('error', (e) => fail(e));
        res.on('end', () => {
          if (!res.complete) return fail(new Error('answer cut short'));
          cleanup();
          const bytes = Buffer.concat(parts);
          let body: unknown = bytes;
          if ((res.headers['content-type'] ?? '').includes('json')) {
            try {
              body = JSON.parse(bytes.toString('utf8'));
            } catch {
              body = bytes.toString('utf8');
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, bytes });
        });
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer in ${o.timeoutMs ?? 15_000} ms`));
      }, o.timeoutMs ?? 15_000);
      const onAbort = (): void => {
        req.destroy(new Error('aborted'));
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (e: Error & { code?: string }): void => {
        cleanup();
        // no connection at all: the request never reached the node
        const refused = !sent || e.code === 'ENOENT' || e.code === 'ECONNREFUSED';
        reject(new ApiUnreachable(refused ? 'refused' : 'lost', `${method} ${path}: ${e.message}`));
      };
      req.on('error', fail);
      req.on('socket', (s) => {
        s.once('connect', () => {
          sent = true;
        });
      });
      if (json !== undefined) req.end(json);
      else if (Buffer.isBuffer(o.raw)) req.end(o.raw);
      else if (o.raw !== undefined) o.raw.pipe(req);
      else req.end();
    });
  }
}
