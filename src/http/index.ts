/** HTTP pieces a data kind's local API routes use: the route table contract, bodies, SSE. */
export { expectObject, parseJsonBody, readBody, readJsonBody, stringField } from './body.ts';
export { MAX_JSON_BODY_BYTES, SSE_HEARTBEAT_MS } from './constants.ts';
export { openSse, type SseEvent, SseParser, type SseStream } from './sse.ts';
export type {
  ApiRequester,
  HttpMethod,
  RequestOptions,
  RouteContext,
  RouteHandler,
  RouteOptions,
  RouteTable,
} from './types.ts';
