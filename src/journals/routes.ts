import './codes.ts';
import { once } from 'node:events';
import { toHex } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import type { RouteContext, RouteTable } from '../http/index.ts';
import { expectObject, parseJsonBody, readBody } from '../http/index.ts';
import { MAX_API_APPEND_BYTES, MAX_API_SNAPSHOT_BYTES, MAX_PAYLOAD_BYTES } from './constants.ts';
import type { JournalEvent } from './event.ts';
import { type JournalId, parseJournalId } from './id.ts';
import type { Journals, JsonEvent } from './journals.ts';
import type { JournalSync } from './sync/sync.ts';
import { eventView, journalView, snapshotView } from './views.ts';

/** What the routes need of the journals service. */
export interface JournalRoutesTarget {
  readonly journals: Journals;
  readonly sync: JournalSync;
  append(id: JournalId, payload: Uint8Array | JsonEvent, o: { signal?: AbortSignal }): Promise<JournalEvent>;
  appendBatch(
    id: JournalId,
    payloads: (Uint8Array | JsonEvent)[],
    o: { signal?: AbortSignal },
  ): Promise<JournalEvent[]>;
  ensureFollowed(id: JournalId): Promise<void>;
}

const badRequest = (message: string): MurmurError => new MurmurError('MURMUR_API_BAD_REQUEST', message);

/** The journal id of a route: `:id` (URL-encoded, `%2F`) or the two segments `:writer/:name`. */
function idOf(params: Record<string, string>): JournalId {
  const id = params.id ?? `${params.writer}/${params.name}`;
  parseJournalId(id);
  return id;
}

function seqParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw badRequest(`${name} must be a non-negative integer`);
  }
  return Number(v);
}

function jsonEvent(v: unknown): JsonEvent {
  const o = expectObject(v);
  if (typeof o.e !== 'string') throw badRequest('an event is {"e": string, "p": any}');
  return { e: o.e, p: o.p };
}

/**
 * `GET|POST /v1/journals`, and per journal (id URL-encoded as one segment, `<hex>%2F<name>`, or as two
 * segments `<hex>/<name>`): `GET …` (info), `GET|POST …/events`, `GET …/follow` (SSE),
 * `GET|POST …/snapshot` (the latest snapshot; publish one).
 */
export function registerJournalRoutes(api: RouteTable, target: JournalRoutesTarget): void {
  api.route('GET', '/v1/journals', () => {
    const j = target.journals;
    return {
      writer: j.writer ? toHex(j.writer.publicKey) : undefined,
      journals: j.list().map((i) => journalView(i, j.isOwn(i.id))),
      sync: target.sync.status(),
      stats: { ...target.sync.stats },
    };
  });

  api.route('POST', '/v1/journals', async (ctx) => {
    const body = expectObject(await ctx.json());
    if (typeof body.name !== 'string') throw badRequest('field "name" must be a string');
    const info = await target.journals.create(body.name, { signal: ctx.signal });
    return journalView(info, true);
  });

  const routes = (
    suffix: string,
    method: 'GET' | 'POST',
    handler: (ctx: RouteContext, id: JournalId) => unknown,
  ) => {
    api.route(method, `/v1/journals/:id${suffix}`, (ctx) => handler(ctx, idOf(ctx.params)));
    api.route(method, `/v1/journals/:writer/:name${suffix}`, (ctx) => handler(ctx, idOf(ctx.params)));
  };

  routes('', 'GET', (_ctx, id) => {
    const j = target.journals;
    return journalView(j.info(id), j.isOwn(id));
  });

  routes('/events', 'POST', async ({ req, signal }, id) => {
    const type = req.headers['content-type'] ?? '';
    if (/^application\/octet-stream\b/i.test(type)) {
      const bytes = await readBody(req, MAX_PAYLOAD_BYTES);
      return eventView(await target.append(id, new Uint8Array(bytes), { signal }));
    }
    const body = parseJsonBody(await readBody(req, MAX_API_APPEND_BYTES));
    if (Array.isArray(body)) {
      const events = await target.appendBatch(id, body.map(jsonEvent), { signal });
      const last = events.at(-1);
      return { count: events.length, first: events[0]?.seq ?? 0, last: last?.seq ?? 0 };
    }
    return eventView(await target.append(id, jsonEvent(body), { signal }));
  });

  routes('/events', 'GET', async ({ query, signal }, id) => {
    const from = seqParam(query, 'from');
    const to = seqParam(query, 'to');
    const limit = seqParam(query, 'limit');
    const r = await target.journals.read(id, {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(limit === undefined ? {} : { limit: Math.min(limit, 100_000) }),
      signal,
    });
    return {
      ...(r.snapshot ? { snapshot: snapshotView(r.snapshot) } : {}),
      events: r.events.map(eventView),
    };
  });

  routes('/follow', 'GET', async ({ query, res }, id) => {
    const from = seqParam(query, 'from');
    await target.ensureFollowed(id);
    const stream = api.sse(res);
    try {
      for await (const item of target.journals.follow(id, {
        ...(from === undefined ? {} : { from }),
        signal: stream.signal,
      })) {
        const ok =
          item.type === 'event'
            ? stream.send('event', eventView(item.event), String(item.event.seq))
            : stream.send('snapshot', snapshotView(item.snapshot), String(item.snapshot.upTo));
        if (!ok) break;
        if (res.writableNeedDrain) await once(res, 'drain', { signal: stream.signal });
      }
    } catch (err) {
      if (!stream.closed) stream.send('error', { code: (err as MurmurError).code ?? 'MURMUR_IO' });
    } finally {
      stream.close();
    }
  });

  // the latest snapshot (also when its events were kept), null when there is none
  routes('/snapshot', 'GET', async (_ctx, id) => {
    const snap = await target.journals.getSnapshot(id);
    return { snapshot: snap ? snapshotView(snap) : null };
  });

  routes('/snapshot', 'POST', async (ctx, id) => {
    const body = expectObject(await ctx.json({ maxBytes: MAX_API_SNAPSHOT_BYTES }));
    if (typeof body.upTo !== 'number' || !Number.isSafeInteger(body.upTo) || body.upTo < 1) {
      throw badRequest('field "upTo" must be a positive integer');
    }
    let state: Uint8Array;
    if (typeof body.state === 'string') state = new TextEncoder().encode(body.state);
    else if (typeof body.stateBase64 === 'string')
      state = new Uint8Array(Buffer.from(body.stateBase64, 'base64'));
    else throw badRequest('field "state" (text) or "stateBase64" is required');
    const snap = await target.journals.snapshot(id, {
      upTo: body.upTo,
      state,
      compact: body.compact !== false,
      signal: ctx.signal,
    });
    return snapshotView(snap);
  });
}
