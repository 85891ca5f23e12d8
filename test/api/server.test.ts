import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiClient, ApiServer } from '../../src/api/index.ts';
import { isMurmurError, MurmurError } from '../../src/errors/index.ts';
import type { FakeNode } from './fake-node.ts';
import { raw, startFakeApi, TOKEN } from './helpers.ts';

describe('local API over a fake node', () => {
  let node: FakeNode;
  let api: ApiServer;
  let url: string;
  let client: ApiClient;

  before(async () => {
    ({ node, api, url } = await startFakeApi({ sseHeartbeatMs: 50 }));
    client = new ApiClient({ url, token: TOKEN });
    api.route('GET', '/v1/test/items/:id/*rest', ({ params, query }) => ({ params, q: query.get('q') }));
    api.route('GET', '/v1/test/crash', () => {
      throw new Error('secret internals');
    });
    api.route('POST', '/v1/test/echo', async (ctx) => ({ got: await ctx.json({ maxBytes: 100 }) }));
  });
  after(() => api.stop());

  test('/health needs no token', async () => {
    const r = await raw(url, { path: '/health' });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).peerId, node.peerId);
  });

  test('missing or wrong token is a 401 with MURMUR_API_UNAUTHORIZED', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${'00'.repeat(32)}` },
      { authorization: 'Bearer x' },
    ];
    for (const headers of variants) {
      const r = await raw(url, { path: '/v1/id', headers });
      assert.equal(r.status, 401);
      assert.equal(JSON.parse(r.body).error.code, 'MURMUR_API_UNAUTHORIZED');
      assert.match(String(r.headers['www-authenticate']), /Bearer/);
    }
    const wrong = new ApiClient({ url, token: 'ff'.repeat(32) });
    await assert.rejects(wrong.status(), (e: unknown) => isMurmurError(e, 'MURMUR_API_UNAUTHORIZED'));
    const metrics = await raw(url, { path: '/metrics' });
    assert.equal(metrics.status, 401);
  });

  test('id, status, peers, connect through the client', async () => {
    const id = await client.id();
    assert.equal(id.peerId, node.peerId);
    assert.equal(id.overlay, node.overlay);
    assert.deepEqual(id.addresses, node.status().addresses);
    const peer = await client.connect('/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWPeerB');
    assert.equal(peer.peerId, '12D3KooWPeerB');
    assert.equal(peer.state, 'active');
    const peers = await client.peers();
    assert.deepEqual(
      peers.map((p) => p.peerId),
      ['12D3KooWPeerB'],
    );
    assert.deepEqual(await client.peers({ state: 'purgatory' }), []);
    const status = await client.status();
    assert.equal(status.peers.active, 1);
    assert.equal(status.bins[1], 1);
    assert.equal(status.bins.length, 32);
  });

  test('POST /v1/peers/:id/forgive lifts purgatory; an unknown peer is a 404 MURMUR_PEERS_UNKNOWN', async () => {
    node.setPeer({ peerId: '12D3KooWBad', state: 'purgatory', addresses: [], lastSeen: 0, strikes: 5 });
    const peer = await client.forgive('12D3KooWBad');
    assert.equal(peer.state, 'lifesupport');
    assert.equal(peer.reason, 'forgiven');
    assert.equal(peer.strikes, 0);
    await assert.rejects(client.forgive('12D3KooWNobody'), (e: unknown) =>
      isMurmurError(e, 'MURMUR_PEERS_UNKNOWN'),
    );
    const r = await raw(url, {
      method: 'POST',
      path: '/v1/peers/12D3KooWNobody/forgive',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(r.status, 404, r.body);
  });

  test('connect refuses bad addresses with MURMUR_BAD_ADDRESS and passes node errors on', async () => {
    for (const addr of ['not an address', '/ip4/127.0.0.1/tcp/4002', '']) {
      await assert.rejects(client.connect(addr), (e: unknown) => isMurmurError(e, 'MURMUR_BAD_ADDRESS'));
    }
    node.failNext = new MurmurError('MURMUR_HANDSHAKE_REFUSED', 'wrong network');
    await assert.rejects(client.connect('/ip4/127.0.0.1/tcp/1/p2p/12D3KooWX'), (e: unknown) => {
      return isMurmurError(e, 'MURMUR_HANDSHAKE_REFUSED') && e.message === 'wrong network';
    });
    const r = await raw(url, {
      method: 'POST',
      path: '/v1/connect',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"addr": 5}',
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).error.code, 'MURMUR_API_BAD_REQUEST');
  });

  test('routes with params and rest, unknown paths and methods', async () => {
    const got = await client.request<{ params: Record<string, string>; q: string }>(
      'GET',
      '/v1/test/items/a%20b/x/y%2Fz?q=1',
    );
    assert.deepEqual({ ...got.params }, { id: 'a b', rest: 'x/y/z' });
    assert.equal(got.q, '1');
    await assert.rejects(client.request('GET', '/v1/nope'), (e: unknown) =>
      isMurmurError(e, 'MURMUR_API_NOT_FOUND'),
    );
    await assert.rejects(client.request('DELETE', '/v1/id'), (e: unknown) =>
      isMurmurError(e, 'MURMUR_API_METHOD_NOT_ALLOWED'),
    );
    await assert.rejects(client.request('GET', '/v1/test/items/%E0%A4%A/x'), (e: unknown) =>
      isMurmurError(e, 'MURMUR_API_BAD_REQUEST'),
    );
  });

  test('a crashing handler is a 500 without internals', async () => {
    const r = await raw(url, { path: '/v1/test/crash', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 500);
    const body = JSON.parse(r.body);
    assert.equal(body.error.code, 'MURMUR_API_INTERNAL');
    assert.doesNotMatch(r.body, /secret|at \//);
  });

  test('bodies: JSON echo, size cap, bad JSON, wrong content type', async () => {
    assert.deepEqual(await client.request('POST', '/v1/test/echo', { body: { a: [1, 'x'] } }), {
      got: { a: [1, 'x'] },
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const big = await raw(url, {
      method: 'POST',
      path: '/v1/test/echo',
      headers: auth,
      body: 'x'.repeat(500),
    });
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).error.code, 'MURMUR_API_BODY_TOO_LARGE');
    const bad = await raw(url, { method: 'POST', path: '/v1/test/echo', headers: auth, body: '{"a":' });
    assert.equal(JSON.parse(bad.body).error.code, 'MURMUR_API_BAD_REQUEST');
    const type = await raw(url, {
      method: 'POST',
      path: '/v1/test/echo',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(type.status, 400);
  });

  test('malformed HTTP gets a JSON 400', async () => {
    const { connect } = await import('node:net');
    const u = new URL(url);
    const text = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(u.port), u.hostname, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let out = '';
      sock.on('data', (c) => {
        out += c.toString();
      });
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 400/);
    assert.match(text, /"code":"MURMUR_API_BAD_REQUEST"/);
  });

  test('a non-loopback Host header is refused (DNS rebinding)', async () => {
    const r = await raw(url, {
      path: '/v1/id',
      headers: { authorization: `Bearer ${TOKEN}`, host: 'evil.example:80' },
    });
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error.code, 'MURMUR_API_FORBIDDEN_HOST');
    const ok = await raw(url, { path: '/health', headers: { host: 'localhost:9022' } });
    assert.equal(ok.status, 200);
  });

  test('/metrics serves the node registry in Prometheus text', async () => {
    const text = await client.metrics();
    assert.match(text, /# TYPE murmur_fake_connects_total counter/);
    assert.match(text, /murmur_fake_connects_total 1/);
    assert.match(text, /murmur_api_requests_total\{method="GET",route="\/v1\/id",status="401"\} 3/);
    assert.match(text, /murmur_api_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
  });

  test('the dashboard page is served without a token and holds no secret', async () => {
    const page = await raw(url, { path: '/' });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.ok(!page.body.includes(TOKEN));
    const js = await raw(url, { path: '/dashboard/app.js' });
    assert.equal(js.status, 200);
    assert.equal((await raw(url, { path: '/dashboard/../codes.ts' })).status, 404);
  });

  test('SSE delivers the status, peer and depth events and unsubscribes on close', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const stream = client.events({ signal: ac.signal });
    const first = await stream.next();
    assert.equal(first.value?.event, 'status');
    assert.equal(JSON.parse(first.value?.data ?? '{}').peerId, node.peerId);
    assert.equal(node.listenerCount('peer:state'), 1);
    node.setDepth(3);
    node.setPeer({
      peerId: 'P2',
      state: 'lifesupport',
      addresses: [],
      lastSeen: 0,
      strikes: 0,
      reason: 'dropped',
    });
    for await (const ev of { [Symbol.asyncIterator]: () => stream }) {
      seen.push(`${ev.event}:${ev.data}`);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen[0], 'depth:{"depth":3}');
    assert.match(seen[1] ?? '', /^peer:.*"state":"lifesupport"/);
    ac.abort();
    // the server sees the client's socket close asynchronously: wait for it (generously, under load)
    for (const end = Date.now() + 60_000; node.listenerCount('peer:state') > 0 && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(node.listenerCount('peer:state'), 0);
    assert.equal(node.listenerCount('depth'), 0);
  });
});

describe('API server lifecycle', () => {
  test('refuses a non-loopback host', () => {
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) {
      assert.throws(
        () => new ApiServer({ token: TOKEN, host }),
        (e: unknown) => isMurmurError(e, 'MURMUR_API_NOT_LOOPBACK'),
      );
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      new ApiServer({ token: TOKEN, host });
  });

  test('falls back to a free port when the wanted one is taken, or says it is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const strict = new ApiServer({ token: TOKEN, port });
      await assert.rejects(
        strict.start(),
        (e: unknown) => isMurmurError(e, 'MURMUR_IO') && /in use/.test(e.message),
      );
      const api = new ApiServer({ token: TOKEN, port, fallbackToEphemeral: true });
      await api.start();
      assert.notEqual(new URL(api.url).port, String(port));
      await api.stop();
    } finally {
      blocker.close();
    }
  });

  test('stop() ends open event streams and the client sees the end', async () => {
    const { api, url } = await startFakeApi();
    const client = new ApiClient({ url, token: TOKEN });
    const events: string[] = [];
    const reading = (async () => {
      for await (const ev of client.events()) events.push(ev.event);
    })();
    while (events.length === 0) await new Promise((r) => setTimeout(r, 10));
    await api.stop();
    await reading.catch(() => {});
    assert.deepEqual(events, ['status']);
  });

  test('the client reports a node that is not running', async () => {
    const { api, url } = await startFakeApi();
    await api.stop();
    const client = new ApiClient({ url, token: TOKEN });
    await assert.rejects(client.id(), (e: unknown) => isMurmurError(e, 'MURMUR_NODE_NOT_RUNNING'));
  });
});
