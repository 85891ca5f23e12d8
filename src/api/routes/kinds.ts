import { MurmurError } from '../../errors/index.ts';
import type { RouteTable } from '../../http/types.ts';
import type { NodeService } from '../../service/context.ts';
import type { DataKind } from '../../service/kind.ts';

/** One registered data kind as GET /v1/kinds shows it. */
export interface KindView {
  name: string;
  title: string;
  summary: string;
  /** Its service runs on this node. */
  running: boolean;
  /** GET /v1/kinds/<name>/card answers. */
  card: boolean;
  commands: string[];
}

/**
 * GET /v1/kinds: the data kinds this daemon knows (src/kinds) and whether each runs here;
 * GET /v1/kinds/:name/card: the kind's dashboard card (note + items) read from its running service.
 */
export function registerKindRoutes(
  api: RouteTable,
  kinds: readonly DataKind[],
  services: readonly NodeService[],
): void {
  const serviceOf = (name: string): NodeService | undefined => services.find((s) => s.name === name);
  api.route('GET', '/v1/kinds', () => ({
    kinds: kinds.map(
      (k): KindView => ({
        name: k.name,
        title: k.title,
        summary: k.summary,
        running: serviceOf(k.name) !== undefined,
        card: k.card !== undefined && serviceOf(k.name) !== undefined,
        commands: (k.hints ?? []).map((h) => h.command),
      }),
    ),
  }));
  api.route('GET', '/v1/kinds/:name/card', async ({ params }) => {
    const kind = kinds.find((k) => k.name === params.name);
    const service = serviceOf(params.name ?? '');
    if (kind?.card === undefined || service === undefined) {
      throw new MurmurError('MURMUR_API_NOT_FOUND', `no data kind '${params.name}' with a card runs here`);
    }
    return kind.card(service);
  });
}
