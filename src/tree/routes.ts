import './codes.ts';
import { MurmurError } from '../errors/index.ts';
import type { RouteTable } from '../http/index.ts';
import { grantId } from './codec.ts';
import { hlcWall } from './hlc.ts';
import { keyPairToJson, signerFromJson } from './keyfile.ts';
import { generateKeyPair, type Signer, toHex } from './keys.ts';
import { ListFilter } from './list-filter.ts';
import type { Tree } from './tree.ts';
import type { Entry, Grant } from './types.ts';

const MAX_BODY = 256 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A value as the API shows it: UTF-8 text when it is valid UTF-8, and always base64. */
export function valueView(v: Uint8Array | null): { value: string | null; base64: string | null } {
  if (v === null) return { value: null, base64: null };
  let text: string | null = null;
  try {
    text = utf8.decode(v);
  } catch {
    text = null;
  }
  return { value: text, base64: Buffer.from(v).toString('base64') };
}

export function entryView(e: Entry): Record<string, unknown> {
  return {
    key: e.key,
    ...valueView(e.value),
    deleted: e.value === null,
    signer: toHex(e.signer),
    timestamp: e.timestamp,
    time: new Date(hlcWall(e.timestamp)).toISOString(),
    grants: e.grants.map(toHex),
  };
}

export function grantView(g: Grant, revoked?: boolean): Record<string, unknown> {
  return {
    id: toHex(grantId(g)),
    pattern: g.pattern,
    subgrant: g.subgrant,
    issuer: toHex(g.issuer),
    issuee: toHex(g.issuee),
    issuedAt: g.issuedAt,
    expiresAt: g.expiresAt === 0 ? null : g.expiresAt,
    ...(revoked === undefined ? {} : { revoked }),
  };
}

/** Bytes of a PUT body: `{value: text}`, `{base64}` or `{json: any}` (exactly one). */
export function bodyValue(body: Record<string, unknown>): Uint8Array {
  const given = ['value', 'base64', 'json'].filter((k) => body[k] !== undefined);
  if (given.length !== 1)
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'give exactly one of value (text), base64, json');
  if (body.value !== undefined) {
    if (typeof body.value !== 'string') throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'value is a string');
    return new Uint8Array(Buffer.from(body.value, 'utf8'));
  }
  if (body.base64 !== undefined) {
    if (typeof body.base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.base64))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'base64 is a base64 string');
    return new Uint8Array(Buffer.from(body.base64, 'base64'));
  }
  return new Uint8Array(Buffer.from(JSON.stringify(body.json), 'utf8'));
}

function parseExpiry(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'expiresAt is unix ms or an ISO date');
  return ms;
}

/**
 * `/v1/trees` routes of the tree service (docs/TREE.md "API"). `:root` is a 64-hex root key or
 * `default`. Writing routes take an optional `key` ({publicKey, privateKey} hex) to sign with
 * instead of the node's own tree key; it is used for that request only and never stored.
 */
/** What the tree routes use of the tree service (TreeService implements it). */
export interface TreeRoutesTarget {
  readonly publicKey: string;
  readonly defaultTree: string;
  status(): Record<string, unknown>;
  trees(): string[];
  tree(rootHex: string): Tree;
  treeWith(rootHex: string, signer: Signer, options?: { signal?: AbortSignal }): Promise<Tree>;
  join(rootHex: string, options?: { signal?: AbortSignal }): Promise<Tree>;
  use(rootHex: string, options?: { signal?: AbortSignal }): Promise<void>;
}

export function registerTreeRoutes(api: RouteTable, svc: TreeRoutesTarget): void {
  const rootOf = (p: string | undefined): string => {
    const r = p === 'default' ? svc.defaultTree : (p ?? '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(r))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a tree root is 64 hex digits or "default"');
    return r;
  };
  const keyOf = (p: string | undefined): string => `/${p ?? ''}`;
  /** Runs fn with the node's tree client, or a one-request client signing with the body's key. */
  const withSigner = async <T>(
    root: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    fn: (t: Tree) => Promise<T>,
  ): Promise<T> => {
    if (body.key === undefined) return fn(svc.tree(root));
    const t = await svc.treeWith(root, signerFromJson(body.key), { signal });
    try {
      return await fn(t);
    } finally {
      t.close();
    }
  };
  const bodyOf = async (ctx: {
    json<T>(o?: { maxBytes?: number }): Promise<T>;
    req: { headers: Record<string, unknown> };
  }) => {
    if (ctx.req.headers['content-length'] === '0' || ctx.req.headers['content-type'] === undefined) return {};
    const b = await ctx.json<unknown>({ maxBytes: MAX_BODY });
    if (b === null || typeof b !== 'object' || Array.isArray(b))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'the body is a JSON object');
    return b as Record<string, unknown>;
  };

  api.route('POST', '/v1/keygen', () => keyPairToJson(generateKeyPair()));

  api.route('GET', '/v1/trees', () => ({
    default: svc.defaultTree,
    status: svc.status(),
    nodeKey: svc.publicKey,
    trees: svc.trees().map((root) => {
      const t = svc.tree(root);
      return { root, rootHash: toHex(t.rootHash()), records: t.state.fingerprint.count };
    }),
  }));

  api.route('POST', '/v1/trees', async (ctx) => {
    const body = await bodyOf(ctx);
    const root = rootOf(typeof body.root === 'string' ? body.root : undefined);
    if (body.use === true) await svc.use(root, { signal: ctx.signal });
    else await svc.join(root, { signal: ctx.signal });
    return { root, default: svc.defaultTree === root };
  });

  api.route('GET', '/v1/trees/:root/kv/*key', async ({ params, signal }) => {
    const key = keyOf(params.key);
    const got = await svc.tree(rootOf(params.root)).get(key, { signal });
    if (got === undefined)
      throw new MurmurError('MURMUR_TREE_NOT_FOUND', `no value at ${key}`, { details: { key } });
    return entryView(got.entry);
  });

  api.route('PUT', '/v1/trees/:root/kv/*key', async (ctx) => {
    const body = await bodyOf(ctx);
    const value = bodyValue(body);
    const e = await withSigner(rootOf(ctx.params.root), body, ctx.signal, (t) =>
      t.put(keyOf(ctx.params.key), value, { signal: ctx.signal }),
    );
    return entryView(e);
  });

  api.route('DELETE', '/v1/trees/:root/kv/*key', async (ctx) => {
    const body = await bodyOf(ctx);
    const e = await withSigner(rootOf(ctx.params.root), body, ctx.signal, (t) =>
      t.del(keyOf(ctx.params.key), { signal: ctx.signal }),
    );
    return entryView(e);
  });

  api.route('GET', '/v1/trees/:root/list', async ({ params, query, res, signal }) => {
    const tree = svc.tree(rootOf(params.root));
    const filters = query.getAll('filter');
    if (query.get('watch') !== '1') return { entries: (await tree.list(filters, { signal })).map(entryView) };
    new ListFilter(filters); // bad filters fail as JSON before the stream starts
    const stream = api.sse(res);
    const stop = AbortSignal.any([signal, stream.signal]);
    for await (const ev of tree.watch(filters, { signal: stop })) {
      if (ev.type === 'tail') stream.send('tail', {});
      else stream.send('entry', { key: ev.key, entry: ev.entry === null ? null : entryView(ev.entry) });
    }
    stream.close();
  });

  api.route('GET', '/v1/trees/:root/subscribe/*key', async ({ params, res, signal }) => {
    const tree = svc.tree(rootOf(params.root));
    const key = keyOf(params.key);
    const sub = await tree.subscribe(key, { signal });
    const stream = api.sse(res);
    const send = (): void => {
      const s = sub.state;
      stream.send('state', { key, hasValue: s.hasValue, dirty: s.dirty, ...valueView(s.value) });
    };
    sub.on('value', send);
    sub.on('dirty', send);
    send();
    stream.signal.addEventListener('abort', () => sub.unsubscribe(), { once: true });
  });

  api.route('GET', '/v1/trees/:root/grants', ({ params }) => ({
    grants: svc
      .tree(rootOf(params.root))
      .grants()
      .map((g) => grantView(g.grant, g.revoked)),
  }));

  api.route('POST', '/v1/trees/:root/grants', async (ctx) => {
    const body = await bodyOf(ctx);
    if (typeof body.to !== 'string' || typeof body.pattern !== 'string')
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a grant needs "to" (public key hex) and "pattern"');
    const expiresAt = parseExpiry(body.expiresAt);
    const g = await withSigner(rootOf(ctx.params.root), body, ctx.signal, (t) =>
      t.grant(
        {
          to: body.to as string,
          pattern: body.pattern as string,
          subgrant: body.subgrant === true,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        { signal: ctx.signal },
      ),
    );
    return grantView(g, false);
  });

  api.route('POST', '/v1/trees/:root/revocations', async (ctx) => {
    const body = await bodyOf(ctx);
    if (typeof body.grant !== 'string' || !/^[0-9a-fA-F]{64}$/.test(body.grant))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a revocation needs "grant" (64 hex digits)');
    const r = await withSigner(rootOf(ctx.params.root), body, ctx.signal, (t) =>
      t.revoke((body.grant as string).toLowerCase(), { signal: ctx.signal }),
    );
    return { grant: toHex(r.grantId), revoker: toHex(r.revoker), revokedAt: r.revokedAt };
  });
}
