import './codes.ts';
import { type ErrorCode, MurmurError } from '../errors/index.ts';
import { type SseEvent, SseParser } from '../http/sse.ts';
import type { ApiRequester, RequestOptions } from '../http/types.ts';
import type { NodeStatus, PeerInfo } from '../node/types.ts';
import { CLIENT_TIMEOUT_MS } from './constants.ts';
import { readApiInfo, readApiToken } from './files.ts';
import type { IdResponse } from './routes/node.ts';

export interface ApiClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:9022 */
  url: string;
  token: string;
  /** Per-request time limit (not applied to event streams). */
  timeoutMs?: number;
}

export type { RequestOptions } from '../http/types.ts';

/**
 * Typed client of the local API, used by the CLI and by other modules' commands. Errors are
 * MurmurErrors: the server's code when it sent one, MURMUR_NODE_NOT_RUNNING when nothing listens.
 */
export class ApiClient implements ApiRequester {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS;
  }

  /** Finds the running node of a data folder through <data>/api.json and <data>/api-token. */
  static async fromDataDir(dataDir: string, options: { timeoutMs?: number } = {}): Promise<ApiClient> {
    const info = await readApiInfo(dataDir);
    const token = await readApiToken(dataDir);
    return new ApiClient({ url: info.url, token, ...options });
  }

  id(options: { signal?: AbortSignal } = {}): Promise<IdResponse> {
    return this.request('GET', '/v1/id', options);
  }

  status(options: { signal?: AbortSignal } = {}): Promise<NodeStatus> {
    return this.request('GET', '/v1/status', options);
  }

  async peers(options: { signal?: AbortSignal; state?: string } = {}): Promise<PeerInfo[]> {
    const q = options.state === undefined ? '' : `?state=${encodeURIComponent(options.state)}`;
    const r = await this.request<{ peers: PeerInfo[] }>('GET', `/v1/peers${q}`, options);
    return r.peers;
  }

  /** Lifts the peer's purgatory and clears its strikes (POST /v1/peers/:id/forgive). */
  async forgive(peerId: string, options: { signal?: AbortSignal } = {}): Promise<PeerInfo> {
    const r = await this.request<{ peer: PeerInfo }>(
      'POST',
      `/v1/peers/${encodeURIComponent(peerId)}/forgive`,
      options,
    );
    return r.peer;
  }

  async connect(addr: string, options: { signal?: AbortSignal } = {}): Promise<PeerInfo> {
    const r = await this.request<{ peer: PeerInfo }>('POST', '/v1/connect', { ...options, body: { addr } });
    return r.peer;
  }

  health(options: { signal?: AbortSignal } = {}): Promise<{ ok: boolean; peerId: string }> {
    return this.request('GET', '/health', options);
  }

  metrics(options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.request('GET', '/metrics', { ...options, text: true });
  }

  /** Sends a request and decodes the JSON (or text) answer. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.#timeoutMs),
      ...(options.signal ? [options.signal] : []),
    ]);
    const res = await this.#fetch(method, path, options.body, signal);
    const text = await res.text().catch((cause: unknown) => {
      throw this.#transportError(cause, signal, options.signal);
    });
    if (!res.ok) throw decodeError(res.status, text);
    if (options.text) return text as T;
    if (res.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MurmurError(
        'MURMUR_API_BAD_RESPONSE',
        `the API answered ${path} with something that is not JSON`,
      );
    }
  }

  /** Follows a server-sent events route (default /v1/events) until the signal fires or the server ends it. */
  async *events(options: { signal?: AbortSignal; path?: string } = {}): AsyncGenerator<SseEvent> {
    const signal = options.signal ?? new AbortController().signal;
    const res = await this.#fetch(
      'GET',
      options.path ?? '/v1/events',
      undefined,
      signal,
      'text/event-stream',
    );
    if (!res.ok) throw decodeError(res.status, await res.text());
    if (!res.body) return;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        for (const ev of parser.push(decoder.decode(chunk, { stream: true }))) yield ev;
      }
    } catch (cause) {
      if (signal.aborted) return;
      throw this.#transportError(cause, signal, options.signal);
    }
  }

  async #fetch(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    accept = 'application/json',
  ) {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      throw this.#transportError(cause, signal, undefined);
    }
  }

  #transportError(cause: unknown, signal: AbortSignal, userSignal: AbortSignal | undefined): MurmurError {
    if (userSignal?.aborted) return new MurmurError('MURMUR_ABORTED', 'request aborted', { cause });
    if (signal.aborted) {
      return new MurmurError('MURMUR_TIMEOUT', `the node at ${this.url} did not answer in time`, { cause });
    }
    const code = (cause as { cause?: { code?: string } })?.cause?.code;
    return new MurmurError(
      'MURMUR_NODE_NOT_RUNNING',
      `cannot reach the murmur node at ${this.url}${code ? ` (${code})` : ''}; is it running? start it with: npm start`,
      { cause },
    );
  }
}

const answered = new WeakMap<MurmurError, number>();

/** The HTTP status the node answered with an error the client decoded (undefined for local errors). */
export function answeredStatus(err: unknown): number | undefined {
  return err instanceof MurmurError ? answered.get(err) : undefined;
}

/**
 * The MurmurError of an error answer of the local API (its code and message; MURMUR_API_BAD_RESPONSE
 * when the body is not one), remembering the status for answeredStatus. For callers that do their own
 * requests (streamed uploads and downloads).
 */
export function decodeError(status: number, text: string): MurmurError {
  const err = decodeBody(status, text);
  answered.set(err, status);
  return err;
}

function decodeBody(status: number, text: string): MurmurError {
  try {
    const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = json.error;
    if (e && typeof e.code === 'string' && /^MURMUR_[A-Z0-9_]+$/.test(e.code)) {
      const message = typeof e.message === 'string' ? e.message : undefined;
      const details =
        e.details !== null && typeof e.details === 'object'
          ? (e.details as Record<string, unknown>)
          : undefined;
      return new MurmurError(e.code as ErrorCode, message, details ? { details } : undefined);
    }
    if (e && typeof e.code === 'string') {
      return new MurmurError(
        'MURMUR_API_BAD_RESPONSE',
        `the node answered ${status} ${e.code}: ${String(e.message)}`,
      );
    }
  } catch {
    // not JSON: fall through
  }
  return new MurmurError('MURMUR_API_BAD_RESPONSE', `the node answered HTTP ${status}`);
}
