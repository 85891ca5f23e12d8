import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseJsonBody, Router, SseParser } from '../../src/api/index.ts';
import type { ApiServer } from '../../src/api/server.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { raw, startFakeApi, TOKEN } from './helpers.ts';

const API_CODES = /^MURMUR_[A-Z_]+$/;

describe('decoders never crash on random input', () => {
  test('parseJsonBody returns a value or throws MURMUR_API_BAD_REQUEST', () => {
    const json = fc.json().map((s) => new TextEncoder().encode(s));
    const corrupt = json.chain((b) =>
      fc.tuple(fc.constant(b), fc.nat({ max: Math.max(0, b.length - 1) }), fc.integer({ min: 0, max: 255 })),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), json), (bytes) => {
        try {
          parseJsonBody(bytes);
        } catch (e) {
          assert.ok(isMurmurError(e, 'MURMUR_API_BAD_REQUEST'), String(e));
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(corrupt, ([b, i, v]) => {
        const c = b.slice();
        if (c.length > 0) c[i] = v;
        try {
          parseJsonBody(c);
        } catch (e) {
          assert.ok(isMurmurError(e, 'MURMUR_API_BAD_REQUEST'));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('Router.match returns a route or throws a MurmurError with an API code', () => {
    const router = new Router();
    const h = () => 1;
    router.add('GET', '/v1/id', h);
    router.add('GET', '/v1/kv/*key', h);
    router.add('POST', '/v1/journals/:id/events', h);
    router.add('GET', '/v1/journals/:id', h);
    const seg = fc.oneof(
      fc.constantFrom('v1', 'kv', 'id', 'journals', 'events', '', '%', '%zz', '%E0%A4', '..', '%2F'),
      fc.string({ maxLength: 8 }),
    );
    const path = fc.array(seg, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'BREW'), path, (method, p) => {
        try {
          const m = router.match(method, p);
          assert.equal(typeof m.route.handler, 'function');
          for (const v of Object.values(m.params)) assert.equal(typeof v, 'string');
        } catch (e) {
          assert.ok(isMurmurError(e), String(e));
          assert.match(e.code, /^MURMUR_API_(NOT_FOUND|METHOD_NOT_ALLOWED|BAD_REQUEST)$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('SseParser handles random text split anywhere', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 5 }),
        (text, cuts) => {
          const p = new SseParser(1000);
          let last = 0;
          for (const c of [...cuts].sort((a, b) => a - b)) {
            for (const ev of p.push(text.slice(last, c))) assert.equal(typeof ev.data, 'string');
            last = Math.max(last, c);
          }
          p.push(text.slice(last));
        },
      ),
      { numRuns: 500 },
    );
    const p = new SseParser();
    assert.deepEqual(p.push('event: a\r\ndata: {"x"\n'), []);
    assert.deepEqual(p.push('data: :1}\n\n: c\n\ndata: z\n\n'), [
      { event: 'a', data: '{"x"\n:1}' },
      { event: 'message', data: 'z' },
    ]);
  });
});

describe('the server answers random requests with a code, never a 500', () => {
  let api: ApiServer;
  let url: string;
  before(async () => {
    ({ api, url } = await startFakeApi());
  });
  after(() => api.stop());

  test('random paths and bodies on the real routes', async () => {
    const pathArb = fc.oneof(
      fc.constantFrom(
        '/v1/connect',
        '/v1/id',
        '/v1/peers?state=%ZZ',
        '/v1/status',
        '/health',
        '/',
        '/metrics',
      ),
      fc
        .array(fc.oneof(fc.constantFrom('v1', 'connect', '%', '%c0%af', '..'), fc.webSegment()), {
          maxLength: 4,
        })
        .map((p) => `/${p.join('/')}`),
    );
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.json().map((s) => new TextEncoder().encode(s)),
      fc.constant(new TextEncoder().encode('{"addr":"/ip4/1.2.3.4/tcp/1/p2p/12D3KooWQ"}')),
      fc.record({ addr: fc.string() }).map((o) => new TextEncoder().encode(JSON.stringify(o))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT'),
        pathArb,
        bodyArb,
        async (method, path, body) => {
          const r = await raw(url, {
            method,
            path,
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body,
          });
          assert.ok(r.status < 500, `${method} ${path} → ${r.status} ${r.body}`);
          if (r.status >= 400) {
            const e = JSON.parse(r.body).error;
            assert.match(e.code, API_CODES);
            assert.equal(typeof e.message, 'string');
            assert.doesNotMatch(r.body, /\n\s+at /);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a body declared larger than the cap is refused before reading it', async () => {
    const u = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/v1/connect',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(10 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('{"addr":');
    });
    assert.equal(status, 413);
  });
});
