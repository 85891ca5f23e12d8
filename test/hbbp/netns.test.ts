/**
 * Real link-local multicast between network namespaces: A --veth-- B --veth-- C. Listeners in B on the
 * A-side interface must get A's datagrams (two processes sharing port 4950) and not C's.
 * Skipped unless root with `ip` available. Namespaces are named with the pid and always removed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, waitFor } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/hbbp');

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = process.getuid?.() !== 0 || !hasIp() ? 'needs root and iproute2' : false;

const id = `${process.pid % 100000}`;
const NS = { a: `hbA${id}`, b: `hbB${id}`, c: `hbC${id}` };
const IF = { a: `hba${id}`, b: `hbb${id}`, b2: `hbd${id}`, c: `hbc${id}` };

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
function inNs(ns: string, ...cmd: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' });
}
function cleanup(): void {
  for (const ns of Object.values(NS)) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not there
    }
  }
}

function link(nsX: string, ifX: string, nsY: string, ifY: string): void {
  ip('link', 'add', ifX, 'netns', nsX, 'type', 'veth', 'peer', 'name', ifY, 'netns', nsY);
  for (const [ns, ifc] of [
    [nsX, ifX],
    [nsY, ifY],
  ] as const) {
    inNs(ns, 'sysctl', '-qw', `net.ipv6.conf.${ifc}.accept_dad=0`);
    ip('-n', ns, 'link', 'set', ifc, 'up');
  }
}

async function linkLocalReady(ns: string, ifc: string): Promise<void> {
  await waitFor(
    () => {
      const out = inNs(ns, 'ip', '-6', 'addr', 'show', 'dev', ifc);
      return /inet6 fe80::/.test(out) && !/tentative/.test(out);
    },
    60_000,
    `link-local address on ${ifc}`,
  );
}

function hbbp(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function runIn(ns: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const p = hbbp(ns, args);
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    p.stdin!.end();
    p.on('close', (code) => done({ code, stderr }));
  });
}

describe('hbbp multicast between network namespaces', { skip }, () => {
  const tmp = tempDir();
  const procs: ChildProcess[] = [];

  before(async () => {
    cleanup();
    for (const ns of Object.values(NS)) ip('netns', 'add', ns);
    for (const ns of Object.values(NS)) ip('-n', ns, 'link', 'set', 'lo', 'up');
    link(NS.a, IF.a, NS.b, IF.b);
    link(NS.c, IF.c, NS.b, IF.b2);
    await Promise.all([
      linkLocalReady(NS.a, IF.a),
      linkLocalReady(NS.b, IF.b),
      linkLocalReady(NS.b, IF.b2),
      linkLocalReady(NS.c, IF.c),
    ]);
  });

  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    cleanup();
    tmp.cleanup();
  });

  it('listeners on one host share port 4950; with an iface they get only datagrams from it', async () => {
    const listeners = ([1, 2, 3] as const).map((n) => {
      const iface = n === 3 ? undefined : IF.b;
      const dir = join(tmp.dir, `h${n}`);
      mkdirSync(join(dir, 'p2ptbl'), { recursive: true });
      const h = join(dir, 'p2ptbl', 'mytable');
      writeFileSync(
        h,
        `#!/bin/sh\necho "$HBBP_IFACE $HBBP_SENDER $(cat)" >> "${join(tmp.dir, `out${n}`)}"\n`,
      );
      chmodSync(h, 0o755);
      writeFileSync(join(tmp.dir, `out${n}`), '');
      const p = hbbp(NS.b, ['listen', ...(iface ? [iface] : []), '--handlers', dir]);
      procs.push(p);
      let err = '';
      let out = '';
      p.stderr!.on('data', (d) => (err += d));
      p.stdout!.on('data', (d) => (out += d));
      return { p, iface, err: () => err, out: () => out, file: join(tmp.dir, `out${n}`) };
    });
    for (const l of listeners) await waitFor(() => l.err().includes('listening on'), 60_000, 'listener');

    const fromC = await runIn(NS.c, ['send', IF.c, 'p2ptbl/mytable', 'from-c']);
    assert.equal(fromC.code, 0, fromC.stderr);
    const fromA = await runIn(NS.a, ['send', IF.a, 'p2ptbl/mytable', 'from-a']);
    assert.equal(fromA.code, 0, fromA.stderr);
    // Handlers run as separate processes, so C's may end after A's, and a handler that has written its
    // line may not have exited yet (SIGTERM would kill it and count it failed): wait until every
    // handler a listener must run has ended (two on the listener without an iface), not only A's line.
    for (const l of listeners) {
      const want = l.iface ? 1 : 2;
      await waitFor(
        () => (l.err().match(/handler key="p2ptbl\/mytable" .* ok /g) ?? []).length >= want,
        60_000,
        'delivery',
      );
    }

    for (const l of listeners) {
      const closed = new Promise<void>((r) => l.p.on('close', () => r()));
      l.p.kill('SIGTERM');
      await closed;
      const lines = readFileSync(l.file, 'utf8').trimEnd().split('\n').sort();
      const stats = JSON.parse(l.out().trim()) as Record<string, number>;
      if (l.iface) {
        assert.equal(lines.length, 1, lines.join('\n'));
        assert.match(lines[0]!, new RegExp(`^${IF.b} fe80::[0-9a-f:]+%${IF.b} from-a$`));
        assert.equal(stats.delivered, 1);
        assert.equal(stats.handled, 1);
        assert.equal(stats.dropped_iface, 1, "C's datagram arrived on the other interface");
      } else {
        assert.equal(lines.length, 2, lines.join('\n'));
        const byPayload = lines.sort((x, y) => x.slice(-6).localeCompare(y.slice(-6)));
        assert.match(byPayload[0]!, new RegExp(`^ fe80::[0-9a-f:]+%${IF.b} from-a$`));
        assert.match(byPayload[1]!, new RegExp(`^ fe80::[0-9a-f:]+%${IF.b2} from-c$`));
        assert.equal(stats.handled, 2);
      }
    }
  });

  it('an oversize multicast send fails with exit 1', async () => {
    const r = await runIn(NS.a, ['send', IF.a, 'k', 'x'.repeat(1231)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MURMUR_HBBP_TOO_LARGE/);
  });
});
