export * from '../http/index.ts';
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
export { Router } from './router.ts';
export { registerDashboardRoutes } from './routes/dashboard.ts';
export { type IdResponse, registerNodeRoutes } from './routes/node.ts';
export { ApiServer, type ApiServerOptions, sendJson } from './server.ts';
