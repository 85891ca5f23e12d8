import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isMurmurError } from '../../src/errors/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { addrOf, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

test('two nodes handshake; both see each other active with overlay and po', async () => {
  const a = await startNode();
  const b = await startNode();
  nodes.push(a, b);
  const info = await a.connect(addrOf(b));
  assert.equal(info.peerId, b.peerId);
  assert.equal(info.state, 'active');
  await until(() => stateOf(b, a.peerId) === 'active', { timeoutMs: 60_000, what: 'b sees a active' });
  const fromB = b.peers().find((p) => p.peerId === a.peerId)!;
  assert.equal(fromB.overlay, a.overlay);
  assert.equal(typeof fromB.po, 'number');
  const metrics = await a.metrics.metrics();
  assert.match(metrics, /murmur_handshakes_total 1/);
  assert.match(metrics, /murmur_peers\{state="active"\} 1/);
  assert.equal(a.status().peers.active, 1);
});

test('connecting to itself is refused', async () => {
  const a = await startNode();
  nodes.push(a);
  await assert.rejects(a.connect(addrOf(a)), (e: unknown) => isMurmurError(e, 'MURMUR_HANDSHAKE_REFUSED'));
  assert.match(await a.metrics.metrics(), /murmur_handshake_refusals_total\{reason="self",by="local"\} 1/);
});

test('a wrong network is refused and the peer lands in purgatory', async () => {
  const a = await startNode({ networkId: 'red' });
  const b = await startNode({ networkId: 'blue' });
  nodes.push(a, b);
  await assert.rejects(a.connect(addrOf(b)), (e: unknown) => {
    assert.ok(isMurmurError(e, 'MURMUR_HANDSHAKE_REFUSED'), String(e));
    assert.equal(e.details?.reason, 'network');
    return true;
  });
  await until(() => stateOf(b, a.peerId) === 'purgatory', {
    timeoutMs: 60_000,
    what: 'b puts a in purgatory',
  });
  await until(() => stateOf(a, b.peerId) === 'purgatory', {
    timeoutMs: 60_000,
    what: 'a puts b in purgatory',
  });
  assert.match(await b.metrics.metrics(), /murmur_handshake_refusals_total\{reason="network",by="local"\} 1/);
});

test('TLS 1.3 as connection encryption works as well', async () => {
  const a = await startNode({ encryption: 'tls' });
  const b = await startNode({ encryption: 'tls' });
  nodes.push(a, b);
  const info = await a.connect(addrOf(b));
  assert.equal(info.state, 'active');
});
