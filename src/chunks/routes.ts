import './codes.ts';
import { once } from 'node:events';
import { fromHex } from '../bytes/index.ts';
import { MurmurError } from '../errors/index.ts';
import type { RouteTable } from '../http/index.ts';
import { readBody } from '../http/index.ts';
import { hex, isValidChunk, spanOf } from './chunk.ts';
import { ADDRESS_SIZE, MAX_CHUNK_DATA } from './constants.ts';
import type { JoinOptions } from './file/joiner.ts';
import type { SplitResult } from './file/splitter.ts';
import type { ChunkStore, PinInfo, PutResult } from './store.ts';

/** What the routes need of the chunks service. */
export interface ChunkRoutesTarget {
  readonly store: ChunkStore;
  put(
    source: AsyncIterable<Uint8Array>,
    options: { signal?: AbortSignal; pin?: boolean },
  ): Promise<SplitResult & { pinned?: boolean }>;
  pin(root: Uint8Array, options: { signal?: AbortSignal }): Promise<PinInfo>;
  unpin(root: Uint8Array, options: { signal?: AbortSignal }): Promise<PinInfo>;
  pins(options: { signal?: AbortSignal }): Promise<PinInfo[]>;
  getChunk(address: Uint8Array, options: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  get(root: Uint8Array, options: JoinOptions): AsyncGenerator<Uint8Array>;
  status(): Record<string, unknown>;
}

/** A boolean query parameter: absent, `false` or `0` is false; `true`, `1` or empty is true. */
function parseFlag(v: string | null): boolean {
  if (v === null || v === 'false' || v === '0') return false;
  if (v === '' || v === 'true' || v === '1') return true;
  throw new MurmurError('MURMUR_INVALID_ARGUMENT', `bad boolean "${v}" (use true or false)`);
}

/** Parses a 64-hex-digit chunk address (MURMUR_INVALID_ARGUMENT otherwise). */
export function parseAddress(text: string | undefined): Uint8Array {
  return fromHex(
    text ?? '',
    ADDRESS_SIZE,
    () => new MurmurError('MURMUR_INVALID_ARGUMENT', 'a chunk address is 64 hex digits'),
  );
}

/**
 * `POST /v1/files[?pin=true]` (request body streamed into chunks → `{ root, span, chunks, pinned }`;
 * with `pin` the file is pinned: never evicted),
 * `GET /v1/files/:addr` (the file streamed back, every chunk verified),
 * `GET|PUT /v1/chunks/:addr` (one chunk's raw data), `GET /v1/chunks` (cursors, sync status, storage),
 * `POST|DELETE /v1/chunks/pins/:addr` (pin / unpin a file tree → `{ root, chunks, bytes }`),
 * `GET /v1/chunks/pins` (`{ pins: [{ root, chunks, bytes }] }`).
 */
export function registerChunkRoutes(api: RouteTable, chunks: ChunkRoutesTarget): void {
  api.route('POST', '/v1/files', async ({ req, query, signal }) => {
    const pin = parseFlag(query.get('pin'));
    const r = await chunks.put(req as AsyncIterable<Uint8Array>, { signal, pin });
    return { root: hex(r.root), span: r.span.toString(), chunks: r.chunks, pinned: r.pinned === true };
  });

  api.route('GET', '/v1/files/:addr', async ({ params, res, signal }) => {
    const root = parseAddress(params.addr);
    const head = await chunks.getChunk(root, { signal });
    if (head === undefined || !isValidChunk(root, head)) {
      throw new MurmurError('MURMUR_CHUNKS_NOT_FOUND', 'file root not found', {
        details: { address: params.addr },
      });
    }
    const it = chunks.get(root, { signal });
    // Fetch the first piece before committing to a 200, so early failures are JSON errors.
    const first = await it.next();
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': spanOf(head).toString(),
    });
    try {
      if (first.done !== true && !res.write(first.value)) await once(res, 'drain', { signal });
      for await (const piece of it) {
        if (!res.write(piece)) await once(res, 'drain', { signal });
      }
      res.end();
    } catch (err) {
      res.destroy(err as Error);
    }
  });

  api.route('GET', '/v1/chunks/:addr', async ({ params, res, signal }) => {
    const address = parseAddress(params.addr);
    const data = await chunks.getChunk(address, { signal });
    if (data === undefined) {
      throw new MurmurError('MURMUR_CHUNKS_NOT_FOUND', 'chunk not found', {
        details: { address: params.addr },
      });
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  });

  api.route('PUT', '/v1/chunks/:addr', async ({ params, req }) => {
    const address = parseAddress(params.addr);
    const data = new Uint8Array(await readBody(req, MAX_CHUNK_DATA));
    if (!isValidChunk(address, data)) {
      throw new MurmurError('MURMUR_CHUNKS_BAD_CHUNK', 'chunk data does not hash to the address');
    }
    const r: PutResult = await chunks.store.put({ address, data }, { verify: false });
    return { address: params.addr, stored: r.stored, bin: r.bin, binId: r.binId.toString() };
  });

  api.route('GET', '/v1/chunks', () => chunks.status());

  api.route('GET', '/v1/chunks/pins', async ({ signal }) => ({ pins: await chunks.pins({ signal }) }));

  api.route('POST', '/v1/chunks/pins/:addr', ({ params, signal }) =>
    chunks.pin(parseAddress(params.addr), { signal }),
  );

  api.route('DELETE', '/v1/chunks/pins/:addr', ({ params, signal }) =>
    chunks.unpin(parseAddress(params.addr), { signal }),
  );
}
