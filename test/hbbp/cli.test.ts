import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { type HbbpReceived, listen } from '../../src/hbbp/index.ts';
import { sendRaw, tempDir, waitFor } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/hbbp');
const enc = new TextEncoder();
const tmp = tempDir();
after(tmp.cleanup);

function run(
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.stdin.end(stdin ?? '');
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Starts `hbbp listen` on [::1]:0 and returns the process, its port and its stderr so far. */
async function startListener(
  args: string[],
): Promise<{ p: ChildProcess; port: number; err: () => string; out: () => string }> {
  const p = spawn(BIN, ['listen', '--address', '::1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  p.stderr!.on('data', (d) => (stderr += d));
  p.stdout!.on('data', (d) => (stdout += d));
  await waitFor(() => /listening on \[::1\]:\d+/.test(stderr) || p.exitCode !== null, 60_000, 'listener');
  const m = /listening on \[::1\]:(\d+)/.exec(stderr);
  assert.ok(m, stderr);
  return { p, port: Number(m[1]), err: () => stderr, out: () => stdout };
}

async function stop(p: ChildProcess): Promise<number | null> {
  const closed = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
  p.kill('SIGTERM');
  return closed;
}

describe('hbbp CLI (bin/hbbp)', () => {
  const handlers = join(tmp.dir, 'handlers');
  const out = join(tmp.dir, 'out');
  mkdirSync(join(handlers, 'p2ptbl'), { recursive: true });
  mkdirSync(out, { recursive: true });
  const script = (name: string, body: string): void => {
    writeFileSync(join(handlers, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(handlers, name), 0o755);
  };
  script('p2ptbl/t', `cat > "${out}/t.$$"; mv "${out}/t.$$" "${out}/t"`);
  script('slow', 'sleep 30');
  script('after', `echo "$HBBP_SENDER" > "${out}/after"`);
  writeFileSync(join(tmp.dir, 'marker'), `#!/bin/sh\ntouch "${out}/marker-ran"\n`, { mode: 0o755 });

  it('send: an oversize datagram fails with exit 1 and nothing is sent', async () => {
    const got: HbbpReceived[] = [];
    const l = await listen({ port: 0, address: '::1', onMessage: (m) => void got.push(m) });
    const port = String(l.address().port);
    try {
      const big = await run(['send', 'lo', 'k', '-', '--address', '::1', '--port', port], 'x'.repeat(1231));
      assert.equal(big.code, 1);
      assert.match(big.stderr, /^hbbp: MURMUR_HBBP_TOO_LARGE: .*at most 1230 payload bytes/m);
      const bad = await run(['send', 'lo', '../x', 'y', '--address', '::1', '--port', port]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^hbbp: MURMUR_HBBP_BAD_KEY: /m);
      const ok = await run(
        ['send', 'lo', 'marker', '-', '--address', '::1', '--port', port],
        'x'.repeat(1225),
      );
      assert.equal(ok.code, 0, ok.stderr);
      await waitFor(() => got.length === 1);
      assert.equal(l.stats().received, 1);
      assert.equal(got[0]!.key, 'marker');
      assert.equal(got[0]!.payload.length, 1225);
    } finally {
      await l.close();
    }
  });

  it('listen: runs handlers, drops bad keys without running them, kills slow ones, prints stats on SIGTERM', async () => {
    // The handler timeout applies to every handler: long enough that a loaded machine still runs the
    // quick ones (sh + cat + mv) within it, short against `sleep 30`.
    const { p, port, err, out: stdout } = await startListener(['--handlers', handlers, '--timeout', '2000']);
    const ps = String(port);
    const r1 = await run(['send', 'lo', 'p2ptbl/t', 'table rows', '--address', '::1', '--port', ps]);
    assert.equal(r1.code, 0, r1.stderr);
    await waitFor(() => err().includes('handler key="p2ptbl/t"'), 60_000, 'handler');
    assert.equal(readFileSync(join(out, 't'), 'utf8'), 'table rows');
    for (const raw of ['../marker\0x', '/etc/passwd\0x', 'a\x1bb\0x', 'nohandler\0x'])
      await sendRaw(port, enc.encode(raw));
    await run(['send', 'lo', 'slow', '', '--address', '::1', '--port', ps]);
    await run(['send', 'lo', 'after', '', '--address', '::1', '--port', ps]);
    await waitFor(() => err().includes('handler key="after"'), 60_000, 'after handler');
    assert.match(err(), /handler key="slow" from=::1 killed after/);
    assert.match(err(), /drop reason=no_handler key="nohandler"/);
    assert.equal((err().match(/drop reason=bad_key/g) ?? []).length, 3);
    assert.equal(readFileSync(join(out, 'after'), 'utf8').trim(), '::1');
    assert.throws(() => statSync(join(out, 'marker-ran')));
    assert.equal(await stop(p), 0);
    const stats = JSON.parse(stdout().trim()) as Record<string, number>;
    assert.equal(stats.received, 7);
    assert.equal(stats.dropped_bad_key, 3, err());
    assert.equal(stats.dropped_no_handler, 1);
    assert.equal(stats.handler_timeout, 1);
    assert.equal(stats.handled, 2);
  });

  it('keygen + encrypted send/listen; a usage error exits 1', async () => {
    const keydir = join(tmp.dir, 'keys');
    const kg = await run(['keygen', join(keydir, 'p2ptbl')]);
    assert.equal(kg.code, 0, kg.stderr);
    assert.equal(statSync(join(keydir, 'p2ptbl', 'recv.priv')).mode & 0o777, 0o600);
    const again = await run(['keygen', join(keydir, 'p2ptbl')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^hbbp: MURMUR_HBBP_KEYFILE: /m);
    const { p, port, err } = await startListener(['--handlers', handlers, '--keydir', keydir]);
    const ps = String(port);
    const s = await run([
      'send',
      'lo',
      'p2ptbl/t',
      'secret rows',
      '--address',
      '::1',
      '--port',
      ps,
      '--keydir',
      keydir,
    ]);
    assert.equal(s.code, 0, s.stderr);
    await waitFor(() => err().includes('authenticated'), 60_000, 'authenticated datagram');
    await waitFor(() => readFileSync(join(out, 't'), 'utf8') === 'secret rows', 60_000, 'decrypted payload');
    await run(['send', 'lo', 'p2ptbl/t', 'clear', '--address', '::1', '--port', ps]);
    await waitFor(() => /drop reason=auth key="p2ptbl\/t"/.test(err()), 60_000, 'auth drop');
    assert.equal(await stop(p), 0);
    const usage = await run(['send']);
    assert.equal(usage.code, 1);
  });
});
