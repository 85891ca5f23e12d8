import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MurmurNode } from '../../src/node/types.ts';
import { startNode, stateOf, until } from '../helpers/cluster.ts';
import { killNode, type NodeChild, spawnNode } from '../helpers/node-spawn.ts';

const dirs: string[] = [];
const nodes: MurmurNode[] = [];
const children: NodeChild[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(children.map((c) => killNode(c, 'SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('kill -9 of a peer: lifesupport, then reconnect when it comes back on the same port and data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-kill-'));
  dirs.push(dir);
  const port = await freePort();
  const env = { MURMUR_DATA: dir, MURMUR_LISTEN: `/ip4/127.0.0.1/tcp/${port}`, MURMUR_FAST: '1' };
  let child = await spawnNode(env);
  children.push(child);
  const a = await startNode({
    peerBook: {
      backoffMs: [200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
      idleMs: 500,
      heartbeatCheckMs: 100,
      pongTimeoutMs: 500,
    },
  });
  nodes.push(a);
  const addr = child.addresses.find((x) => x.includes('127.0.0.1'))!;
  await a.connect(addr);
  const childId = child.peerId;
  await until(() => child.states.get(a.peerId) === 'active', {
    timeoutMs: 60_000,
    what: 'child sees a active',
  });

  await killNode(child, 'SIGKILL');
  await until(() => stateOf(a, childId) === 'lifesupport', {
    timeoutMs: 60_000,
    what: 'a moves the killed peer to lifesupport',
  });

  child = await spawnNode(env);
  children.push(child);
  assert.equal(child.peerId, childId, 'identity survives the restart');
  await until(() => stateOf(a, childId) === 'active', {
    timeoutMs: 60_000,
    what: 'a reconnects to the restarted peer',
  });
  await until(() => child.states.get(a.peerId) === 'active', {
    timeoutMs: 60_000,
    what: 'restarted child sees a active',
  });
});

test('a missed pong (peer frozen with SIGSTOP) moves it to lifesupport; it comes back after SIGCONT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-stop-'));
  dirs.push(dir);
  const child = await spawnNode({ MURMUR_DATA: dir, MURMUR_FAST: '1' });
  children.push(child);
  const a = await startNode({
    peerBook: {
      backoffMs: [300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300],
      idleMs: 300,
      heartbeatCheckMs: 100,
      pongTimeoutMs: 400,
    },
  });
  nodes.push(a);
  await a.connect(child.addresses.find((x) => x.includes('127.0.0.1'))!);
  child.proc.kill('SIGSTOP');
  try {
    await until(() => stateOf(a, child.peerId) === 'lifesupport', {
      timeoutMs: 60_000,
      what: 'lifesupport after a missed pong',
    });
    assert.match(a.peers().find((p) => p.peerId === child.peerId)?.reason ?? '', /pong|disconnect/);
  } finally {
    child.proc.kill('SIGCONT');
  }
  await until(() => stateOf(a, child.peerId) === 'active', {
    timeoutMs: 60_000,
    what: 'active again after SIGCONT',
  });
});
