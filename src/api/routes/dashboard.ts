import { readFile } from 'node:fs/promises';
import type { ApiServer } from '../server.ts';

const DASHBOARD_DIR = new URL('../../dashboard/', import.meta.url);

const JS = 'text/javascript; charset=utf-8';
const SVG = 'image/svg+xml';

/** The page's ES modules (served under /dashboard/). */
const MODULES = [
  'app.js',
  'data.js',
  'util.js',
  'traffic.js',
  'peers.js',
  'trees.js',
  'files.js',
  'journals.js',
  'charts.js',
];

/** Static files of the dashboard, by URL path; served without the token (they hold no data). */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  // the icon the page links to, and the path browsers ask for by themselves
  '/favicon.svg': { file: 'favicon.svg', type: SVG },
  '/favicon.ico': { file: 'favicon.svg', type: SVG },
  ...Object.fromEntries(MODULES.map((m) => [`/dashboard/${m}`, { file: m, type: JS }])),
};

/** Serves the dashboard page at `/` (a fixed list of files: nothing else on disk is reachable). */
export function registerDashboardRoutes(api: ApiServer): void {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    api.route(
      'GET',
      path,
      async ({ res }) => {
        const body = await readFile(new URL(file, DASHBOARD_DIR));
        res.writeHead(200, {
          'content-type': type,
          'content-length': body.length,
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'content-security-policy':
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        });
        res.end(body);
      },
      { auth: false },
    );
  }
}
