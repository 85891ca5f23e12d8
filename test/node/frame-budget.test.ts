import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FRAME_PEER_BUDGET_BYTES } from '../../src/node/constants.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { MAX_SYNC_FRAME_BYTES } from '../../src/tree/net/wire.ts';
import { TreeService } from '../../src/tree/service.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';
import { drainToEnd, prefix, type Rogue, sendRaw, startRogue } from '../helpers/rogue.ts';
import { dec, enc } from '../tree/helpers.ts';
import { TREE_FAST } from '../tree/net-helpers.ts';

const nodes: MurmurNode[] = [];
const rogues: Rogue[] = [];
after(async () => {
  await Promise.all(rogues.map((r) => r.stop()));
  await Promise.all(nodes.map((n) => n.stop()));
});

/** The bytes the node holds for unfinished messages (its murmur_frame_partial_bytes gauge). */
async function partialBytes(node: MurmurNode): Promise<number> {
  const text = await node.metrics.metrics();
  const m = /^murmur_frame_partial_bytes (\d+)/m.exec(text);
  assert.ok(m, 'the node exports murmur_frame_partial_bytes');
  return Number(m[1]);
}

function strikesOf(node: MurmurNode, peerId: string): number {
  return node.peers().find((p) => p.peerId === peerId)?.strikes ?? 0;
}

test('128 tree-sync streams each left one byte short of a nearly 8 MiB frame: bounded, reset, struck', async () => {
  const tree = (): TreeService => new TreeService({ ...TREE_FAST });
  // the heartbeat at its default pace: a loopback connection moving a gigabyte misses FAST's 500 ms pong
  const peerBook = { ...FAST.peerBook, idleMs: 30_000, pongTimeoutMs: 10_000 };
  const victim = await startNode({ services: [tree()], peerBook });
  const honest = await startNode({ services: [tree()], peerBook });
  nodes.push(victim, honest);
  await honest.connect(addrOf(victim));
  const rogue = await startRogue(victim);
  rogues.push(rogue);
  const sync = rogue.protocols.find((p) => p.includes('/tree/') && p.includes('/sync/'));
  assert.ok(sync, `the node serves tree sync (${rogue.protocols.join(', ')})`);

  const length = MAX_SYNC_FRAME_BYTES - 1;
  const body = new Uint8Array(length - 1).fill(7);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await partialBytes(victim));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let ended = 0;
  const streams = await Promise.all(Array.from({ length: 128 }, () => rogue.open(sync)));
  const runs = streams.map(async (s) => {
    if (await sendRaw(s, prefix(length))) await sendRaw(s, body);
    await drainToEnd(s);
    ended++;
  });
  // every stream is reset by the node: over the peer's budget at once, within the stall deadline
  // for those it had room for (not the protocol's idle timeout)
  await until(() => ended === streams.length, { timeoutMs: 120_000, what: 'all 128 streams reset' });
  await Promise.all(runs);
  await until(async () => (await partialBytes(victim)) === 0, { what: 'reservations released' });
  sampling = false;
  await sampler;
  assert.ok(peak <= FRAME_PEER_BUDGET_BYTES, `held ${peak} bytes, over the peer budget`);

  // struck for going over its budget and for stalling, once per incident
  await until(() => strikesOf(victim, rogue.peerId) >= 2, { what: 'the rogue struck twice' });
  const metrics = await victim.metrics.metrics();
  assert.match(metrics, /murmur_misbehaviour_strikes_total\{kind="flood"\} 1/);
  assert.match(metrics, /murmur_misbehaviour_strikes_total\{kind="protocol"\} 1/);

  // the honest peer is untouched and a write still converges
  assert.equal(strikesOf(victim, honest.peerId), 0);
  assert.equal(stateOf(victim, honest.peerId), 'active');
  const root = generateSigner();
  const rootHex = toHex(root.publicKey);
  const a = victim.services.tree as TreeService;
  const b = honest.services.tree as TreeService;
  await a.join(rootHex);
  await b.join(rootHex);
  const w = await b.treeWith(rootHex, root);
  await w.put('/after/rogue', enc('still here'));
  w.close();
  await until(async () => dec((await a.tree(rootHex).get('/after/rogue'))?.value) === 'still here', {
    what: 'the honest write reaches the victim',
  });
});
