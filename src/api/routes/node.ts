import { parseMultiaddr } from '../../config/address.ts';
import { MurmurError } from '../../errors/index.ts';
import { expectObject, stringField } from '../../http/body.ts';
import type { MurmurNode, NodeEvents, PeerInfo } from '../../node/types.ts';
import { PEER_STATES } from '../../peers/types.ts';
import type { ApiServer } from '../server.ts';

/** The node's identity as served by GET /v1/id. */
export interface IdResponse {
  peerId: string;
  overlay: string;
  networkId: string;
  addresses: string[];
}

/** Registers the core routes: health, metrics, id, status, peers, connect, events. */
export function registerNodeRoutes(api: ApiServer, node: MurmurNode): void {
  api.route(
    'GET',
    '/health',
    () => ({ ok: true, peerId: node.peerId, store: node.status().store?.state ?? 'ok' }),
    { auth: false },
  );

  api.route('GET', '/metrics', async ({ res }) => {
    const text = await node.metrics.metrics();
    res.writeHead(200, { 'content-type': node.metrics.contentType, 'cache-control': 'no-store' });
    res.end(text);
  });

  api.route(
    'GET',
    '/v1/id',
    (): IdResponse => ({
      peerId: node.peerId,
      overlay: node.overlay,
      networkId: node.networkId,
      addresses: node.status().addresses,
    }),
  );

  api.route('GET', '/v1/status', () => node.status());

  api.route('GET', '/v1/peers', ({ query }) => {
    const raw = query.get('state');
    const state = raw === null ? undefined : oneOf(raw, PEER_STATES, 'state');
    const peers = node.peers();
    return { peers: state === undefined ? peers : peers.filter((p) => p.state === state) };
  });

  api.route('POST', '/v1/peers/:id/forgive', ({ params }) => ({ peer: node.forgive(params.id ?? '') }));

  api.route('POST', '/v1/connect', async (ctx) => {
    const body = expectObject(await ctx.json());
    const addr = parseMultiaddr(stringField(body, 'addr'), { needPeerId: true });
    const peer: PeerInfo = await node.connect(addr, { signal: ctx.signal });
    return { peer };
  });

  api.route('GET', '/v1/events', ({ res }) => {
    const stream = api.sse(res);
    stream.send('status', node.status());
    const onPeer = (p: NodeEvents['peer:state']): void => {
      stream.send('peer', p);
    };
    const onDepth = (d: NodeEvents['depth']): void => {
      stream.send('depth', d);
    };
    const onStopped = (): void => {
      stream.send('stopped', {});
      stream.close();
    };
    node.on('peer:state', onPeer);
    node.on('depth', onDepth);
    node.on('stopped', onStopped);
    stream.signal.addEventListener(
      'abort',
      () => {
        node.off('peer:state', onPeer);
        node.off('depth', onDepth);
        node.off('stopped', onStopped);
      },
      { once: true },
    );
  });
}

/** Rejects a value that is not one of the allowed strings (MURMUR_API_BAD_REQUEST). */
export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new MurmurError('MURMUR_API_BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
