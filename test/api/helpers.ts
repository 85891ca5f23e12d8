import { request } from 'node:http';
import { ApiServer } from '../../src/api/index.ts';
import { registerDashboardRoutes } from '../../src/api/routes/dashboard.ts';
import { registerNodeRoutes } from '../../src/api/routes/node.ts';
import { FakeNode } from './fake-node.ts';

export const TOKEN = 'a1'.repeat(32);

/** Starts an API server on an ephemeral loopback port over a FakeNode. */
export async function startFakeApi(options: { sseHeartbeatMs?: number } = {}) {
  const node = new FakeNode();
  const api = new ApiServer({ token: TOKEN, port: 0, metrics: node.metrics, ...options });
  registerNodeRoutes(api, node);
  registerDashboardRoutes(api);
  await api.start();
  return { node, api, url: api.url };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (so tests can send any path, header or body bytes). */
export function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Uint8Array | string },
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers:
          options.body === undefined
            ? options.headers
            : { 'content-length': String(Buffer.byteLength(options.body)), ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
