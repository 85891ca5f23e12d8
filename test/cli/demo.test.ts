import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { murmur } from './helpers.ts';

test('murmur demo shows the overlay, a kv entry, a journal and a file converging, cleans up, exits 0', async () => {
  const r = await murmur(['demo', '--nodes', '4', '--timeout', '150']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /starting 4 nodes on loopback/);
  assert.match(r.stdout, /node3 +12D3KooW\S+ +\[#+\] 3\/3 +\+\d+ ms +[0-9a-f]{10}… +5\/5 +\d+/);
  assert.match(r.stdout, /^ {2}tree \(kv\) +yes /m);
  assert.match(r.stdout, /^ {2}journals +yes /m);
  assert.match(r.stdout, /^ {2}chunks \(file\) +yes .*SHA-256 [0-9a-f]{12}… equal/m);
  assert.match(r.stdout, /converged: every one of the 4 nodes/);
  const dir = /removed (\S+)/.exec(r.stdout)?.[1];
  assert.ok(dir, r.stdout);
  assert.equal(existsSync(dir), false);
});

test('murmur demo --json: every data kind converged to the same state on every node', async () => {
  const r = await murmur(['demo', '--nodes', '3', '--timeout', '150', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.converged, true);
  assert.equal(rep.nodes, 3);
  assert.equal(existsSync(rep.dataRoot), false);
  const { overlay, tree, journals, chunks } = rep.kinds;
  for (const k of [overlay, tree, journals, chunks]) {
    assert.equal(k.converged, true, JSON.stringify(k));
    assert.ok(k.ms >= 0);
  }
  assert.deepEqual(overlay.activePeers, [2, 2, 2]);
  // the kv entry reached every node and the tree root hashes are identical
  assert.equal(tree.key, '/demo/hello');
  assert.match(tree.value, /^hello from node0 at \d{4}-/);
  assert.equal(tree.arrivalMs.length, 3);
  for (const a of tree.arrivalMs) assert.equal(typeof a, 'number');
  assert.match(tree.rootHashes[0], /^[0-9a-f]{32}$/);
  assert.deepEqual(new Set(tree.rootHashes).size, 1);
  // the journal has the same head (seq and hash) on every node
  assert.match(journals.id, /^[0-9a-f]{64}\/demo$/);
  assert.equal(journals.writer, 'node1');
  assert.deepEqual(journals.heads, [5, 5, 5]);
  assert.equal(new Set(journals.headHashes).size, 1);
  // the file fetched on node0 is byte-identical to the one put on node2
  assert.equal(chunks.from, 'node2');
  assert.equal(chunks.to, 'node0');
  assert.equal(chunks.bytes, 256 * 1024);
  assert.equal(chunks.fetchedBytes, 256 * 1024);
  assert.match(chunks.sha256, /^[0-9a-f]{64}$/);
  assert.equal(chunks.fetchedSha256, chunks.sha256);
});

test('murmur demo fails with MURMUR_DEMO_FAILED when the timeout is too short', async () => {
  const r = await murmur(['demo', '--nodes', '3', '--timeout', '0.01', '--json']);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /^murmur: MURMUR_DEMO_FAILED: overlay did not converge within 0.01 s/m);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.converged, false);
  assert.equal(rep.kinds.overlay.converged, false);
  assert.equal(rep.kinds.tree.converged, false);
  assert.equal(rep.kinds.tree.detail, 'not run');
  assert.equal(existsSync(rep.dataRoot), false);
});

test('murmur demo refuses a bad node count', async () => {
  const r = await murmur(['demo', '--nodes', '1']);
  assert.equal(r.code, 2); // usage
  assert.match(r.stderr, /^murmur: MURMUR_INVALID_ARGUMENT: --nodes/);
});
