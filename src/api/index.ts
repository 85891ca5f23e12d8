export { expectObject, parseJsonBody, readBody, readJsonBody, stringField } from './body.ts';
export { ApiClient, type ApiClientOptions, type RequestOptions } from './client.ts';
export * from './constants.ts';
export {
  type ApiInfo,
  ensureApiToken,
  ensureDataDir,
  readApiInfo,
  readApiToken,
  removeApiInfo,
  writeApiInfo,
} from './files.ts';
export type { HttpMethod, RouteContext, RouteHandler, RouteOptions } from './router.ts';
export { Router } from './router.ts';
export { registerDashboardRoutes } from './routes/dashboard.ts';
export { type IdResponse, registerNodeRoutes } from './routes/node.ts';
export { ApiServer, type ApiServerOptions, sendJson } from './server.ts';
export { openSse, type SseEvent, SseParser, type SseStream } from './sse.ts';
