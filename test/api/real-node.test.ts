import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient, readApiToken } from '../../src/api/index.ts';
import { chunksKind } from '../../src/chunks/kind.ts';
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
      // node a runs the journals and chunks kinds (the JSON-depth case, the kinds' metrics)
      const services =
        name === 'a'
          ? [
              await journalsKind.create({
                dataDir: config.dataDir,
                config: journalsKind.configure({}),
                env: {},
                logger: silentLogger,
              }),
              await chunksKind.create({
                dataDir: config.dataDir,
                config: chunksKind.configure({}),
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

  test('/metrics: runtime series, request latency histograms, names without stutter (old ones deprecated)', async () => {
    await a.status();
    const text = await a.metrics();
    for (const series of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'murmur_api_request_duration_seconds_bucket',
      'murmur_chunks_pullsync_offered_total',
      'murmur_chunks_pullsync_lag',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${series.replace(/_bucket$/, '')} `, 'm'), series);
    }
    assert.match(
      text,
      /^murmur_api_request_duration_seconds_count\{method="GET",route="\/v1\/status"\} [1-9]/m,
    );
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    const stutter = names.filter((n) => /(?:^|_)([a-z]+)_\1(?:_|$)/.test(n));
    for (const n of stutter) {
      assert.match(
        text,
        new RegExp(`^# HELP ${n} .*deprecated: use `, 'm'),
        `${n} stutters and is not deprecated`,
      );
    }
    assert.ok(names.includes('murmur_chunks_chunks_offered_total'), 'the old name is kept for one version');
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
