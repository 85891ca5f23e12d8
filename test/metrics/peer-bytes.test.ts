import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeMetrics } from '../../src/metrics/index.ts';

test('onBytes with a peer id counts the protocol and the peer; peerBytes is a copy, 0 for a stranger', () => {
  const m = new NodeMetrics();
  const a = m.onBytes('/murmur/tree/sync/1.0.0', 'peerA');
  const b = m.onBytes('/murmur/chunks/retrieval/1.0.0', 'peerA');
  a('in', 100);
  a('out', 7);
  b('in', 20);
  m.onBytes('/murmur/tree/sync/1.0.0')('in', 5); // no peer: the protocol only
  assert.deepEqual(m.peerBytes('peerA'), { in: 120, out: 7 });
  assert.deepEqual(m.peerBytes('nobody'), { in: 0, out: 0 });
  const copy = m.peerBytes('peerA');
  copy.in = 0;
  assert.equal(m.peerBytes('peerA').in, 120);
  assert.equal(
    m.counters()['murmur_protocol_bytes_total{protocol=/murmur/tree/sync/1.0.0,direction=in}'],
    105,
  );
});

test('peer byte totals are bounded: the peer seen first is dropped past 4096 peers', () => {
  const m = new NodeMetrics();
  for (let i = 0; i <= 4096; i++) m.onBytes('p', `peer${i}`)('in', 1);
  assert.deepEqual(m.peerBytes('peer0'), { in: 0, out: 0 });
  assert.deepEqual(m.peerBytes('peer4096'), { in: 1, out: 0 });
  assert.deepEqual(m.peerBytes('peer1'), { in: 1, out: 0 });
});
