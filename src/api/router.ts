import type { IncomingMessage, ServerResponse } from 'node:http';
import { MurmurError } from '../errors/index.ts';

import type { HttpMethod, RouteHandler, RouteOptions } from '../http/types.ts';

export type { HttpMethod, RouteContext, RouteHandler, RouteOptions } from '../http/types.ts';

type Segment =
  | { kind: 'lit'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'rest'; name: string };

interface Route {
  method: HttpMethod;
  pattern: string;
  segments: Segment[];
  handler: RouteHandler;
  options: Required<RouteOptions>;
}

export interface RouteMatch {
  route: { method: HttpMethod; pattern: string; handler: RouteHandler; options: Required<RouteOptions> };
  params: Record<string, string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function compile(pattern: string): Segment[] {
  if (!pattern.startsWith('/')) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', `route pattern must start with /: ${pattern}`);
  }
  const parts = pattern === '/' ? [] : pattern.slice(1).split('/');
  return parts.map((p, i) => {
    if (p.startsWith(':') && NAME.test(p.slice(1))) return { kind: 'param', name: p.slice(1) };
    if (p.startsWith('*') && NAME.test(p.slice(1))) {
      if (i !== parts.length - 1) {
        throw new MurmurError('MURMUR_INVALID_ARGUMENT', `*rest must be the last segment: ${pattern}`);
      }
      return { kind: 'rest', name: p.slice(1) };
    }
    if (p === '' || p.includes(':') || p.includes('*')) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', `bad route segment "${p}" in ${pattern}`);
    }
    return { kind: 'lit', value: p };
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', 'bad percent-encoding in the request path');
  }
}

/** Method + path router with `:param` and trailing `*rest` segments. */
export class Router {
  readonly #routes: Route[] = [];

  add(method: HttpMethod, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    const segments = compile(pattern);
    if (this.#routes.some((r) => r.method === method && r.pattern === pattern)) {
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', `route ${method} ${pattern} is already registered`);
    }
    this.#routes.push({ method, pattern, segments, handler, options: { auth: options.auth ?? true } });
  }

  /**
   * Finds the route for a raw (still percent-encoded) path. Throws MURMUR_API_NOT_FOUND,
   * MURMUR_API_METHOD_NOT_ALLOWED or MURMUR_API_BAD_REQUEST. Literal routes win over parameters.
   */
  match(method: string, rawPath: string): RouteMatch {
    const parts = rawPath === '/' || rawPath === '' ? [] : rawPath.replace(/^\//, '').split('/');
    let best: { route: Route; params: Record<string, string>; score: number } | undefined;
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      pathMatched = true;
      const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
      if (!wanted.includes(route.method)) continue;
      const score = route.segments.reduce(
        (s, seg) => s + (seg.kind === 'lit' ? 2 : seg.kind === 'param' ? 1 : 0),
        0,
      );
      if (best === undefined || score > best.score) best = { route, params, score };
    }
    if (best === undefined) {
      if (pathMatched)
        throw new MurmurError('MURMUR_API_METHOD_NOT_ALLOWED', `${method} is not allowed on this path`);
      throw new MurmurError('MURMUR_API_NOT_FOUND', 'no such API route');
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(best.params)) params[k] = decode(v);
    return { route: best.route, params };
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'rest') {
      const rest = parts.slice(i).join('/');
      if (rest === '') return undefined;
      params[seg.name] = rest;
      return params;
    }
    const part = parts[i];
    if (part === undefined || part === '') return undefined;
    if (seg.kind === 'lit' ? part !== seg.value : false) return undefined;
    if (seg.kind === 'param') params[seg.name] = part;
  }
  return parts.length === segments.length ? params : undefined;
}

export type { IncomingMessage, ServerResponse };
