import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StreamCloseEvent } from '@libp2p/interface';
import { MemoryLevel } from 'memory-level';
import { createNode } from '../../src/node/index.ts';
import type { MurmurNode } from '../../src/node/types.ts';
import { describeCause } from '../../src/p2p/index.ts';
import { addrOf, FAST, startNode, stateOf, until } from '../helpers/cluster.ts';

const nodes: MurmurNode[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('describeCause names what libp2p rejected with, never "undefined"', () => {
  assert.match(describeCause(new StreamCloseEvent()), /^the remote closed the connection$/);
  assert.match(describeCause(new StreamCloseEvent(true)), /closed by this node/);
  assert.equal(describeCause(new StreamCloseEvent(false, new Error('reset'))), 'reset');
  assert.equal(
    describeCause(new AggregateError([new Error('a'), new Error('b'), new Error('a')], '')),
    'a; b',
  );
  assert.equal(describeCause(new Error('', { cause: new Error('inner') })), 'inner');
  assert.equal(describeCause(undefined), 'unknown error');
  assert.equal(describeCause('plain'), 'plain');
});

test('a dial the remote drops (it holds this node in purgatory) says so', async () => {
  const a = await startNode();
  nodes.push(a);
  const dir = mkdtempSync(join(tmpdir(), 'murmur-dialerr-'));
  dirs.push(dir);
  // B of another network is refused at introduction: A puts B's identity in purgatory.
  const stranger = await createNode({ ...FAST, dataDir: dir, store: memory(), networkId: 'other' });
  await stranger.start();
  await assert.rejects(stranger.connect(addrOf(a)), { code: 'MURMUR_HANDSHAKE_REFUSED' });
  await until(() => stateOf(a, stranger.peerId) === 'purgatory', { what: 'A refuses B' });
  await stranger.stop();
  // The same identity, now of A's network and with a fresh book, dials A: A drops the connection.
  const b = await createNode({ ...FAST, dataDir: dir, store: memory() });
  await b.start();
  nodes.push(b);
  assert.equal(b.peerId, stranger.peerId);
  const err = await b.connect(addrOf(a)).then(
    () => assert.fail('A must drop a peer it holds in purgatory'),
    (e: Error) => e,
  );
  assert.equal((err as { code?: string }).code, 'MURMUR_DIAL_FAILED');
  assert.doesNotMatch(err.message, /undefined/);
  assert.match(err.message, /remote closed the connection|purgatory|refus/);
});

function memory() {
  return new MemoryLevel({ valueEncoding: 'view' }) as never;
}
