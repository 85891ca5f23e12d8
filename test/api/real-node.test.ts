import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient, readApiToken } from '../../src/api/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/index.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { journalsKind } from '../../src/journals/kind.ts';
import { silentLogger } from '../../src/log/index.ts';

describe('local API over real nodes (loopback TCP)', () => {
  let root: string;
  const daemons: Daemon[] = [];
  let a: ApiClient;
  let b: ApiClient;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'murmur-api-real-'));
    for (const name of ['a', 'b']) {
      const config = await loadConfig({
        flags: { data: join(root, name), listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' },
        env: {},
      });
      // node a runs the journals kind (its routes answer the JSON-depth case)
      const services =
        name === 'a'
          ? [
              await journalsKind.create({
                dataDir: config.dataDir,
                config: journalsKind.configure({}),
                env: {},
                logger: silentLogger,
              }),
            ]
          : [];
      const d = new Daemon({ config, sseHeartbeatMs: 100, services });
      await d.start();
      daemons.push(d);
    }
    a = await ApiClient.fromDataDir(join(root, 'a'));
    b = await ApiClient.fromDataDir(join(root, 'b'));
  });
  after(async () => {
    await Promise.allSettled(daemons.map((d) => d.stop()));
    await rm(root, { recursive: true, force: true });
  });

  test('connect over the API; SSE on the other node reports the new active peer', async () => {
    const idA = await a.id();
    const idB = await b.id();
    assert.notEqual(idA.peerId, idB.peerId);
    assert.match(idA.overlay, /^[0-9a-f]{64}$/);
    const ac = new AbortController();
    const seen = (async () => {
      for await (const ev of a.events({ signal: ac.signal })) {
        if (ev.event !== 'peer') continue;
        const p = JSON.parse(ev.data);
        if (p.peerId === idB.peerId && p.state === 'active') return p;
      }
      return undefined;
    })();
    const peer = await b.connect(idA.addresses[0]!);
    assert.equal(peer.peerId, idA.peerId);
    assert.equal(peer.state, 'active');
    const fromEvents = await seen;
    ac.abort();
    assert.equal(fromEvents?.overlay, idB.overlay);
    const statusA = await a.status();
    assert.equal(statusA.peers.active, 1);
    assert.equal(
      statusA.bins.reduce((x, y) => x + y, 0),
      1,
    );
    assert.ok((await b.peers({ state: 'active' })).some((p) => p.peerId === idA.peerId));
    await assert.rejects(b.request('GET', '/v1/peers?state=bogus'), (e: unknown) =>
      isMurmurError(e, 'MURMUR_API_BAD_REQUEST'),
    );
  });

  test('/metrics holds the node metrics in Prometheus text', async () => {
    const text = await a.metrics();
    assert.match(text, /^# TYPE murmur_\w+ /m);
  });

  test('a JSON body nested thousands deep is refused with 400 and a code, and the node keeps serving', async () => {
    const journal = await a.request<{ id: string }>('POST', '/v1/journals', { body: { name: 'deep' } });
    const token = await readApiToken(join(root, 'a'));
    const deep = `{"e":"x","p":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await fetch(`${a.url}/v1/journals/${journal.id}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: deep,
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'MURMUR_API_BAD_REQUEST');
    assert.match(body.error.message, /deeper than 64/);
    const ok = await a.request<{ seq: number }>('POST', `/v1/journals/${journal.id}/events`, {
      body: { e: 'x', p: [[1]] },
    });
    assert.equal(ok.seq, 1);
  });

  test('connecting to a refusing address is an error with a code, not a crash', async () => {
    await assert.rejects(
      b.connect('/ip4/127.0.0.1/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'),
      (e: unknown) => isMurmurError(e) && /^MURMUR_/.test(e.code),
    );
    assert.equal((await b.health()).ok, true);
  });
});
