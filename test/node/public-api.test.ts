import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import type { NodeService, ServiceContext } from '../../src/index.ts';
import * as murmur from '../../src/index.ts';

const LISTEN = ['/ip4/127.0.0.1/tcp/0'];

/** A service whose stop never finishes (records the signal it was given). */
class HangingService implements NodeService {
  readonly name = 'hang';
  stopSignal: AbortSignal | undefined;
  async start(_ctx: ServiceContext): Promise<void> {}
  stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.stopSignal = options.signal;
    return new Promise(() => {});
  }
}

test('the entry exports the node, the services, the contract, errors and the libraries', () => {
  const functions = {
    createNode: murmur.createNode,
    TreeService: murmur.TreeService,
    JournalsService: murmur.JournalsService,
    ChunksService: murmur.ChunksService,
    MurmurError: murmur.MurmurError,
    isMurmurError: murmur.isMurmurError,
    defineKind: murmur.defineKind,
    waitOrAbort: murmur.waitOrAbort,
    formatJournalId: murmur.formatJournalId,
  };
  for (const [name, value] of Object.entries(functions)) assert.equal(typeof value, 'function', name);
  assert.equal(typeof murmur.ERROR_CODES.MURMUR_ABORTED, 'string');
  assert.equal(typeof murmur.p2ptbl.Table, 'function');
  assert.equal(typeof murmur.p2ptbl.parseTable, 'function');
  assert.equal(typeof murmur.hbbp.send, 'function');
  assert.equal(typeof murmur.hbbp.listen, 'function');
});

test('node.services holds the services by name, in record or array form', async () => {
  const tree = new murmur.TreeService();
  const chunks = new murmur.ChunksService();
  const node = await murmur.createNode({ store: memory(), services: { tree, chunks } });
  assert.equal(node.services.tree, tree);
  assert.equal(node.services.chunks, chunks);
  assert.deepEqual(Object.keys(node.services), ['tree', 'chunks']);
  assert.equal(node.service?.('tree'), tree);
  assert.equal(node.service?.('tree', murmur.TreeService), tree);
  assert.equal(node.service?.('tree', murmur.ChunksService), undefined);
  assert.equal(node.service?.('nope'), undefined);
  const listed = await murmur.createNode({ store: memory(), services: [chunks] });
  assert.equal(listed.services.chunks, chunks);
});

test('a record key that is not its service name is refused', async () => {
  await assert.rejects(
    murmur.createNode({ store: memory(), services: { trees: new murmur.TreeService() } }),
    (err: unknown) => murmur.isMurmurError(err, 'MURMUR_INVALID_ARGUMENT'),
  );
});

test('stop({ signal }) gives up on a hanging service, releases the folder, and a restart works', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'murmur-stop-signal-'));
  try {
    const hang = new HangingService();
    const node = await murmur.createNode({ dataDir, listen: LISTEN, services: [hang] });
    await node.start();
    const began = performance.now();
    await assert.rejects(node.stop({ signal: AbortSignal.timeout(200) }), (err: unknown) =>
      murmur.isMurmurError(err, 'MURMUR_ABORTED'),
    );
    const took = performance.now() - began;
    assert.ok(took < 5000, `stop took ${took} ms`);
    assert.ok(hang.stopSignal !== undefined, 'the service stop got the signal');
    assert.equal(node.status().uptimeMs, 0);
    const again = await murmur.createNode({ dataDir, listen: LISTEN });
    await again.start();
    assert.equal(again.peerId, node.peerId);
    await again.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

function memory(): never {
  return new MemoryLevel({ valueEncoding: 'view' }) as never;
}
