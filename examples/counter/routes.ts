import './codes.ts';
import { MurmurError } from '../../src/errors/index.ts';
import type { RouteTable } from '../../src/http/types.ts';

/** What the routes need of the service (kept here so routes.ts does not import service.ts). */
export interface CounterApi {
  list(): { name: string; value: string; slots: number }[];
  get(name: string): { name: string; value: string; slots: number } | undefined;
  increment(name: string, by: bigint): Promise<bigint>;
  decrement(name: string, by: bigint): Promise<bigint>;
}

/** GET /v1/counters, GET /v1/counters/:name, POST /v1/counters/:name {by} (negative: decrement). */
export function counterRoutes(api: RouteTable, svc: CounterApi): void {
  api.route('GET', '/v1/counters', () => ({ counters: svc.list() }));
  api.route('GET', '/v1/counters/:name', ({ params }) => {
    const c = svc.get(params.name ?? '');
    if (c === undefined) return { name: params.name, value: '0', slots: 0 };
    return c;
  });
  api.route('POST', '/v1/counters/:name', async ({ params, json }) => {
    const body = await json<{ by?: unknown }>({ maxBytes: 1024 });
    const raw = body?.by ?? 1;
    if (
      !(typeof raw === 'number' && Number.isSafeInteger(raw)) &&
      !(typeof raw === 'string' && /^-?\d{1,20}$/.test(raw))
    ) {
      throw new MurmurError('MURMUR_COUNTER_BAD_AMOUNT', 'by must be an integer');
    }
    const by = BigInt(raw);
    if (by === 0n) throw new MurmurError('MURMUR_COUNTER_BAD_AMOUNT', 'by must not be 0');
    const name = params.name ?? '';
    const value = by > 0n ? await svc.increment(name, by) : await svc.decrement(name, -by);
    return { name, value: value.toString() };
  });
}
