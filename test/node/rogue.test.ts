/**
 * Bad input from a peer at every murmur protocol a node serves (the ids are read from the node's own
 * Hello, so renamed and legacy ids are all covered): a rogue libp2p client (test/helpers/rogue.ts)
 * sends random bytes, truncated frames, a 4 GiB length prefix, valid frames of garbage protobuf, a
 * flood of small valid-looking messages, and streams it opens and never feeds. After each: an honest
 * peer's tree write still reaches the node, the bytes the node holds for unfinished messages stay
 * within a peer's budget, and the honest peer is never struck; framing-level abuse strikes the rogue
 * and past the threshold puts it in purgatory.
 *
 * fast-check draws the byte-level cases: a few runs per protocol in `npm test`, many more with
 * MURMUR_LONG=1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ChunksService } from '../../src/chunks/service.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { FRAME_PEER_BUDGET_BYTES } from '../../src/node/constants.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { generateSigner, toHex } from '../../src/tree/keys.ts';
import { TreeService } from '../../src/tree/service.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';
import { drainToEnd, prefix, type Rogue, sendRaw, serviceProtocols, startRogue } from '../helpers/rogue.ts';
import { dec, enc } from '../tree/helpers.ts';
import { TREE_FAST } from '../tree/net-helpers.ts';

const LONG = process.env.MURMUR_LONG === '1';
const dirs: string[] = [];
const rogues: Rogue[] = [];
let victim: MurmurNode;
let honest: MurmurNode;
const root = generateSigner();
const rootHex = toHex(root.publicKey);
let probes = 0;

const services = () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-rogue-'));
  dirs.push(dir);
  return [new ChunksService(), new TreeService({ ...TREE_FAST }), new JournalsService({ dataDir: dir })];
};

before(async () => {
  const peerBook = { ...FAST.peerBook, idleMs: 30_000, pongTimeoutMs: 10_000 };
  victim = await startNode({ services: services(), peerBook });
  honest = await startNode({ services: services(), peerBook });
  await honest.connect(addrOf(victim));
  await (victim.services.tree as TreeService).join(rootHex);
  await (honest.services.tree as TreeService).join(rootHex);
});
after(async () => {
  await Promise.all(rogues.map((r) => r.stop().catch(() => {})));
  await Promise.all([victim?.stop(), honest?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const strikesOf = (node: MurmurNode, peerId: string): number =>
  node.peers().find((p) => p.peerId === peerId)?.strikes ?? 0;

async function partialBytes(): Promise<number> {
  const m = /^murmur_frame_partial_bytes (\d+)/m.exec(await victim.metrics.metrics());
  assert.ok(m, 'the node exports murmur_frame_partial_bytes');
  return Number(m[1]);
}

/** The invariants after each attack: honest service, bounded bytes, the honest peer unharmed. */
async function stillServes(what: string): Promise<void> {
  assert.ok((await partialBytes()) <= FRAME_PEER_BUDGET_BYTES, `${what}: bytes held over a peer's budget`);
  const key = `/probe/${probes++}`;
  const t = await (honest.services.tree as TreeService).treeWith(rootHex, root);
  await t.put(key, enc(what));
  t.close();
  const tree = victim.services.tree as TreeService;
  await until(async () => dec((await tree.tree(rootHex).get(key))?.value) === what, {
    what: `${what}: an honest write reaches the node`,
  });
  assert.equal(strikesOf(victim, honest.peerId), 0, `${what}: the honest peer was struck`);
  assert.equal(stateOf(victim, honest.peerId), 'active', `${what}: the honest peer is not active`);
}

let current: Rogue | undefined;
/** The rogue in use, a fresh one (new identity) once the node has dropped the last. */
async function rogue(): Promise<Rogue> {
  if (current !== undefined && stateOf(victim, current.peerId) === 'active') return current;
  current = await startRogue(victim);
  rogues.push(current);
  return current;
}

/** Opens a stream on `protocol`, writes `bytes`, optionally ends its side, and waits for the node's end. */
async function attack(protocol: string, bytes: Uint8Array, end = true): Promise<void> {
  const r = await rogue();
  let s: Awaited<ReturnType<Rogue['open']>>;
  try {
    s = await r.open(protocol);
  } catch {
    return; // the node dropped the rogue meanwhile (purgatory)
  }
  await sendRaw(s, bytes);
  if (end) await s.close().catch(() => {});
  // the node may keep a valid-looking session open until its idle timeout: a rogue does not wait
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drainToEnd(s), new Promise((r) => (timer = setTimeout(r, 500)))]);
  clearTimeout(timer);
  s.abort(new Error('rogue done'));
}

let protocols: string[] = [];

test('the rogue learns the protocols from the node', async (t) => {
  protocols = serviceProtocols(await rogue());
  t.diagnostic(`protocols: ${protocols.join(', ')}`);
  for (const kind of ['/tree/', '/journals/', '/chunks/']) {
    assert.ok(
      protocols.some((p) => p.includes(kind)),
      `the node serves ${kind} (${protocols.join(', ')})`,
    );
  }
});

test('a 4 GiB length prefix on every protocol: struck each time, past the threshold in purgatory', async () => {
  const threshold = FAST.peerBook?.strikeThreshold ?? 3;
  const seen = new Set<string>();
  for (const p of protocols) {
    const r = await rogue();
    seen.add(r.peerId);
    const before = strikesOf(victim, r.peerId);
    await attack(p, Uint8Array.from([...prefix(2 ** 32), 1, 2, 3]), false);
    await until(() => strikesOf(victim, r.peerId) > before || stateOf(victim, r.peerId) === 'purgatory', {
      what: `a strike for a 4 GiB prefix on ${p}`,
    });
    if (strikesOf(victim, r.peerId) >= threshold) {
      await until(() => stateOf(victim, r.peerId) === 'purgatory', { what: `purgatory after ${p}` });
    }
  }
  assert.ok(protocols.length < threshold || seen.size > 1, 'some rogue reached purgatory');
  await stillServes('after 4 GiB prefixes');
});

test('frames stalled mid-body on every protocol: reset within the deadline, struck', async () => {
  const r = await rogue();
  const before = strikesOf(victim, r.peerId);
  const streams = await Promise.all(protocols.map((p) => r.open(p).catch(() => undefined)));
  await Promise.all(
    streams.map(async (s) => {
      if (s === undefined) return;
      await sendRaw(s, Uint8Array.from([...prefix(200), 1, 2, 3]));
      await drainToEnd(s);
    }),
  );
  await until(() => strikesOf(victim, r.peerId) > before || stateOf(victim, r.peerId) === 'purgatory', {
    what: 'a strike for stalled frames',
  });
  assert.equal(await partialBytes(), 0);
  await stillServes('after stalled frames');
});

/** Strikes the node has counted in all, by kind. */
async function strikeTotals(): Promise<string> {
  return (await victim.metrics.metrics())
    .split('\n')
    .filter((l) => l.startsWith('murmur_misbehaviour_strikes_total{'))
    .map((l) => l.replace('murmur_misbehaviour_strikes_total', ''))
    .join(' ');
}

test('random bytes, truncated frames, garbage protobuf, floods and unfed streams on every protocol', async (t) => {
  const runs = LONG ? 100_000 : 2;
  const unfed: Awaited<ReturnType<Rogue['open']>>[] = [];
  for (const p of protocols) {
    t.diagnostic(`before ${p}: strikes ${await strikeTotals()}`);
    // random bytes
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), (bytes) => attack(p, bytes)),
      { numRuns: runs },
    );
    // a truncated frame: the stream ends inside a message
    await attack(p, Uint8Array.from([...prefix(100), ...randomBytes(40)]));
    // a whole frame of garbage protobuf
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 512 }), (body) =>
        attack(p, Uint8Array.from([...prefix(body.byteLength), ...body])),
      ),
      { numRuns: runs },
    );
    // a flood of small valid-looking messages (field 1 = 1) in one stream
    const one = Uint8Array.from([...prefix(2), 0x08, 0x01]);
    const flood = new Uint8Array(one.byteLength * 5_000);
    for (let i = 0; i < 5_000; i++) flood.set(one, i * one.byteLength);
    await attack(p, flood);
    // streams opened and never fed (left open: the protocol's idle timeout ends them)
    const r = await rogue();
    for (let i = 0; i < 8; i++) {
      const s = await r.open(p).catch(() => undefined);
      if (s !== undefined) unfed.push(s);
    }
    await stillServes(`after bad input on ${p}`);
  }
  t.diagnostic(`at the end: strikes ${await strikeTotals()}, ${rogues.length} rogue identities used`);
  assert.equal(await partialBytes(), 0, 'unfed streams hold no bytes');
  for (const s of unfed) s.abort(new Error('done'));
});
