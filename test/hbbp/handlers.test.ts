import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type HandlerEvent, HandlerRunner, resolveHandler } from '../../src/hbbp/index.ts';
import { tempDir, waitFor } from './helpers.ts';

const enc = new TextEncoder();
const tmp = tempDir();
after(tmp.cleanup);
const from = { address: 'fe80::1%eth0', port: 4950 };

function script(path: string, body: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

describe('hbbp handler runner', () => {
  const dir = join(tmp.dir, 'handlers');
  const out = join(tmp.dir, 'out');
  mkdirSync(out, { recursive: true });
  script(
    join(dir, 'echo'),
    `{ echo "$HBBP_KEY|$HBBP_SENDER|$HBBP_SENDER_PORT|$HBBP_IFACE|$MY_VAR"; cat; } > "${out}/echo.$$"; mv "${out}/echo.$$" "${out}/echo"`,
  );
  // A handler outside DIR reached through a symlink inside it (the p2ptbl-recv layout).
  script(join(tmp.dir, 'outside', 'recv'), `cat > "${out}/recv-$(basename "$0")"`);
  mkdirSync(join(dir, 'p2ptbl'), { recursive: true });
  symlinkSync(join(tmp.dir, 'outside', 'recv'), join(dir, 'p2ptbl', 'mytable'));
  script(join(tmp.dir, 'marker'), `touch "${out}/marker-ran"`);
  writeFileSync(join(dir, 'not-exec'), `#!/bin/sh\ntouch "${out}/marker-ran"\n`);
  script(join(dir, 'slow'), 'sleep 30');
  script(join(dir, 'fail'), 'echo oops >&2; exit 3');
  script(join(dir, 'count'), `echo x >> "${out}/count"`);
  script(join(dir, 'gate'), `while [ ! -e "${out}/open" ]; do sleep 0.02; done`);

  it('runs DIR/KEY with the payload on stdin and HBBP_* plus the inherited environment', async () => {
    const r = new HandlerRunner({ dir, iface: 'eth0', env: { ...process.env, MY_VAR: 'inherited' } });
    assert.equal(r.enqueue({ key: 'echo', payload: enc.encode('pay\0load'), from }), true);
    await r.idle();
    assert.equal(readFileSync(join(out, 'echo'), 'utf8'), 'echo|fe80::1%eth0|4950|eth0|inherited\npay\0load');
    assert.equal(r.stats().handled, 1);
  });

  it('follows a symlink inside DIR to a program outside it', async () => {
    const r = new HandlerRunner({ dir });
    assert.equal(r.enqueue({ key: 'p2ptbl/mytable', payload: enc.encode('rows'), from }), true);
    await r.idle();
    assert.equal(readFileSync(join(out, 'recv-mytable'), 'utf8'), 'rows');
  });

  it('drops bad keys and keys naming no executable file, never running anything', async () => {
    symlinkSync(join(tmp.dir, 'marker'), join(tmp.dir, 'escape'));
    const r = new HandlerRunner({ dir });
    const bad = ['', '/bin/sh', '../escape', '../marker', 'p2ptbl/../../marker', 'a\nb', 'x\0y', 'ctl\x1b'];
    for (const key of bad) assert.equal(r.enqueue({ key, payload: new Uint8Array(0), from }), false, key);
    for (const key of ['missing', 'not-exec', 'p2ptbl', '.', 'p2ptbl/']) {
      assert.equal(r.enqueue({ key, payload: new Uint8Array(0), from }), false, key);
    }
    await r.idle();
    const s = r.stats();
    assert.equal(s.dropped_bad_key, bad.length + 1); // '.' resolves to DIR itself
    assert.equal(s.dropped_no_handler, 4);
    assert.equal(s.enqueued, 0);
    assert.equal(existsSync(join(out, 'marker-ran')), false);
    assert.throws(() => resolveHandler(dir, '../x'), { code: 'MURMUR_HBBP_BAD_KEY' });
    assert.equal(resolveHandler(dir, 'p2ptbl/t'), join(dir, 'p2ptbl', 't'));
  });

  it('kills a slow handler after the time limit and goes on with the next', async () => {
    const events: HandlerEvent[] = [];
    const r = new HandlerRunner({ dir, timeoutMs: 200, onEvent: (e) => events.push(e) });
    r.enqueue({ key: 'slow', payload: new Uint8Array(0), from });
    r.enqueue({ key: 'count', payload: new Uint8Array(0), from });
    await r.idle();
    const s = r.stats();
    assert.equal(s.handler_timeout, 1);
    assert.equal(s.handled, 1);
    assert.deepEqual(
      events.map((e) => e.type),
      ['timeout', 'done'],
    );
  });

  it('counts a failing handler with its stderr and goes on', async () => {
    const events: HandlerEvent[] = [];
    const r = new HandlerRunner({ dir, onEvent: (e) => events.push(e) });
    r.enqueue({ key: 'fail', payload: new Uint8Array(0), from });
    r.enqueue({ key: 'count', payload: new Uint8Array(0), from });
    await r.idle();
    assert.equal(r.stats().handler_failed, 1);
    assert.equal(r.stats().handled, 1);
    const f = events[0];
    assert.ok(f && f.type === 'failed');
    assert.equal(f.code, 3);
    assert.equal(f.stderr.trim(), 'oops');
  });

  it('bounds the queue: overflow is dropped and counted; concurrency 1 runs one at a time', async () => {
    const r = new HandlerRunner({ dir, queue: 2, concurrency: 1 });
    const accepted = [0, 1, 2, 3, 4].map(() => r.enqueue({ key: 'gate', payload: new Uint8Array(0), from }));
    assert.deepEqual(accepted, [true, true, true, false, false]);
    assert.equal(r.stats().running, 1);
    assert.equal(r.stats().queued, 2);
    assert.equal(r.stats().dropped_queue_full, 2);
    writeFileSync(join(out, 'open'), '');
    await r.idle();
    assert.equal(r.stats().handled, 3);
  });

  it('stop() kills running handlers and refuses new jobs', async () => {
    const r = new HandlerRunner({ dir, timeoutMs: 60_000 });
    r.enqueue({ key: 'slow', payload: new Uint8Array(0), from });
    r.enqueue({ key: 'slow', payload: new Uint8Array(0), from });
    await waitFor(() => r.stats().running === 1);
    await r.stop();
    assert.equal(r.stats().running, 0);
    assert.equal(r.enqueue({ key: 'count', payload: new Uint8Array(0), from }), false);
  });
});
