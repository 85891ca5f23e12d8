import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseEvent, SseStream } from './sse.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';

/** What a route handler receives. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters: `:name` segments and a trailing `*name` (rest of the path, slashes kept). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Fires when the client goes away or the server stops: pass it to long work. */
  signal: AbortSignal;
  /** Reads and parses the JSON body (capped; MURMUR_API_BAD_REQUEST / MURMUR_API_BODY_TOO_LARGE). */
  json<T = unknown>(options?: { maxBytes?: number }): Promise<T>;
}

/**
 * A handler either writes `ctx.res` itself (streams, SSE) or returns a value sent as JSON with
 * status 200 (`undefined` → 204). Throwing a MurmurError sends `{ error: { code, message } }`.
 */
export type RouteHandler = (ctx: RouteContext) => unknown | Promise<unknown>;

export interface RouteOptions {
  /** Default true: the bearer token is required. */
  auth?: boolean;
}

/**
 * What a data kind's `routes()` is given: the local API's route table. The API server implements it;
 * a data kind never reaches the server itself (see docs/API.md for the pattern syntax).
 */
export interface RouteTable {
  /** Registers a route: `:name` segments and a trailing `*name` (rest of the path). */
  route(method: HttpMethod, pattern: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Starts a server-sent events response on `res` (heartbeats, closed with the server). */
  sse(res: ServerResponse): SseStream;
}

/** Options of one local API request (ApiClient.request). */
export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Expect a text response instead of JSON. */
  text?: boolean;
}

/**
 * The client side of the local API as a data kind's commands use it (src/api's ApiClient implements
 * it): JSON requests, and server-sent event streams.
 */
export interface ApiRequester {
  readonly url: string;
  /** Sends a request and decodes the JSON (or text) answer; a MurmurError with the server's code. */
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Follows a server-sent events route until the signal fires or the server ends it. */
  events(options?: { signal?: AbortSignal; path?: string }): AsyncGenerator<SseEvent>;
}
