import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { VirtualClock } from '../../src/clock/index.ts';
import { codeInfo, isMurmurError, strikeKindOf } from '../../src/errors/index.ts';
import { createNode } from '../../src/node/index.ts';
import { FailStop, failStopOf, isStoreFailure, type Level, openStore } from '../../src/store/index.ts';
import { SegmentLog } from '../../src/store/segments.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const enospc = (): Error =>
  Object.assign(new Error('IO error: /data/db/000003.log: No space left on device'), {
    code: 'LEVEL_IO_ERROR',
  });

/** Controls of a faulty memory-level (see faulty()). */
interface Faults {
  /** The next this-many writes throw `failWith()` (ENOSPC by default). */
  failNext: number;
  failWith: () => Error;
  /** open() throws (a store that cannot be reopened). */
  failOpen: boolean;
  /** Writes that reached the backend. */
  reached: number;
  /** Holds puts of a key ending so until `open` resolves. */
  gate: { key: string; open: Promise<void> } | undefined;
}

type Private = Record<'_open' | '_put' | '_batch', (...args: unknown[]) => Promise<void>>;

/** A memory-level whose private write methods fail on demand (what a full disk does to LevelDB). */
function faulty(): { level: Level; faults: Faults } {
  const level = new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' });
  const faults: Faults = { failNext: 0, failWith: enospc, failOpen: false, reached: 0, gate: undefined };
  const p = level as unknown as Private;
  const fault = (): void => {
    faults.reached++;
    if (faults.failNext > 0) {
      faults.failNext--;
      throw faults.failWith();
    }
  };
  const open = p._open.bind(level);
  const put = p._put.bind(level);
  const batch = p._batch.bind(level);
  p._open = async (...args) => {
    if (faults.failOpen) throw new Error('IO error: /data/db/MANIFEST-000002: Input/output error');
    return open(...args);
  };
  p._put = async (...args) => {
    const gate = faults.gate;
    if (gate !== undefined && String(args[0]).endsWith(gate.key)) await gate.open;
    fault();
    return put(...args);
  };
  p._batch = async (...args) => {
    fault();
    return batch(...args);
  };
  return { level: level as unknown as Level, faults };
}

const bytes = (n: number): Uint8Array => Uint8Array.of(n);

async function refused(p: Promise<unknown>, code = 'MURMUR_DISK_FULL'): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isMurmurError(err), `a MurmurError, not ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

test('after one failed write the store acknowledges no write until it is reopened; reads keep working', async () => {
  const { level, faults } = faulty();
  const store = await openStore({ level });
  const tree = store.sublevel('tree');
  const nested = store.sublevel('chunks').sublevel<string, Uint8Array>('c', { valueEncoding: 'view' });
  await tree.put('kept', bytes(1));
  await nested.put('kept', bytes(2));

  faults.failNext = 1; // one ENOSPC, then the backend would take writes again
  await refused(tree.put('lost', bytes(3)));
  assert.equal(store.health().state, 'failed');
  assert.equal(store.health().code, 'MURMUR_DISK_FULL');
  assert.match(store.health().reason ?? '', /No space left on device/);

  const before = faults.reached;
  await refused(tree.put('after', bytes(4)));
  await refused(tree.batch([{ type: 'put', key: 'after', value: bytes(4) }]));
  await refused(tree.batch().put('after', bytes(4)).write());
  await refused(nested.put('after', bytes(4)));
  await refused(tree.del('kept'));
  await refused(store.db.put('root', bytes(4)));
  assert.equal(faults.reached, before, 'no write reached the backend while the store is failed');

  // reads are served
  assert.deepEqual([...((await tree.get('kept')) ?? [])], [1]);
  assert.deepEqual([...((await nested.get('kept')) ?? [])], [2]);
  assert.equal(await tree.get('lost'), undefined);

  // reopened (close + open: the database replays what it holds), sublevels nested ones included
  await store.reopen();
  assert.equal(store.health().state, 'ok');
  assert.equal(store.health().reopens, 1);
  await tree.put('after', bytes(5));
  await nested.put('after', bytes(6));
  assert.deepEqual([...((await tree.get('after')) ?? [])], [5]);
  assert.deepEqual([...((await nested.get('after')) ?? [])], [6]);
  assert.deepEqual([...((await tree.get('kept')) ?? [])], [1]);
  await store.close();
});

test('a write that overlaps another write failure is refused too, even though it reached the disk', async () => {
  const { level, faults } = faulty();
  const store = await openStore({ level });
  const sub = store.sublevel('journals');
  let release!: () => void;
  faults.gate = { key: 'slow', open: new Promise<void>((r) => (release = r)) };
  const slow = sub.put('slow', bytes(1)); // past the guard, held before the backend
  faults.failNext = 1;
  await refused(sub.batch([{ type: 'put', key: 'fails', value: bytes(2) }]));
  release();
  await refused(slow); // LevelDB may have logged it after the torn record: never acknowledged
  await store.close();
});

test('a failure other than ENOSPC is MURMUR_STORE_FAILED; the codes answer 507 / 503 and strike nobody', async () => {
  const { level, faults } = faulty();
  const store = await openStore({ level });
  faults.failNext = 1;
  faults.failWith = () => new Error('IO error: /data/db/000003.log: Input/output error');
  await refused(store.sublevel('tree').put('x', bytes(1)), 'MURMUR_STORE_FAILED');
  await refused(store.sublevel('peers').put('y', bytes(1)), 'MURMUR_STORE_FAILED');
  assert.equal(store.health().code, 'MURMUR_STORE_FAILED');
  assert.equal(codeInfo('MURMUR_DISK_FULL')?.http, 507);
  assert.equal(codeInfo('MURMUR_STORE_FAILED')?.http, 503);
  assert.equal(strikeKindOf('MURMUR_DISK_FULL'), undefined);
  assert.equal(strikeKindOf('MURMUR_STORE_FAILED'), undefined);
  await store.close();
});

test('the recovery reopens a failed store on the clock, or reports a reopen that fails as fatal', async () => {
  const clock = new VirtualClock(1_000);
  const { level, faults } = faulty();
  const store = await openStore({ level });
  const health: string[] = [];
  const fatal: unknown[] = [];
  store.startRecovery({
    clock,
    retryMs: 500,
    onHealth: (h) => health.push(h.state),
    onFatal: (err) => fatal.push(err),
  });
  const sub = store.sublevel('tree');
  faults.failNext = 1;
  await refused(sub.put('a', bytes(1)));
  assert.equal(store.health().since, 1_000, 'the failure is dated on the node clock');
  await clock.tickAsync(499);
  await refused(sub.put('a', bytes(1)), 'MURMUR_DISK_FULL'); // not reopened before the retry
  while (store.failed) await clock.tickAsync(500);
  assert.deepEqual(health, ['failed', 'ok']);
  await sub.put('a', bytes(1));

  // a store that cannot be reopened: fatal, so the node exits for its supervisor
  faults.failNext = 1;
  faults.failOpen = true;
  await refused(sub.put('b', bytes(1)));
  while (fatal.length === 0) await clock.tickAsync(500);
  assert.ok(isMurmurError(fatal[0]), 'the fatal error is typed');
  assert.match((fatal[0] as Error).message, /Input\/output error/, 'with its cause');
  await store.close();
});

test('segment files under the guard: no append is acknowledged while the store is failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-failstop-'));
  dirs.push(dir);
  const guard = new FailStop();
  const log = new SegmentLog(join(dir, 'chunks'), { guard });
  await log.open(undefined);
  const [first] = await log.append([bytes(1)]);
  assert.deepEqual(first, { segment: 0, offset: 0, length: 1 });
  const err = guard.fail(
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
  );
  assert.ok(isStoreFailure(err));
  await refused(log.append([bytes(2)]));
  assert.equal(log.end.offset, 1, 'nothing appended');
  guard.recovered();
  assert.deepEqual(await log.append([bytes(3)]), [{ segment: 0, offset: 1, length: 1 }]);
  await log.close();
  // the guard of a store is found from any of its sublevels
  const store = await openStore({ level: new MemoryLevel({ valueEncoding: 'view' }) as unknown as Level });
  assert.equal(failStopOf(store.sublevel('chunks').sublevel('c')), store.guard);
  await store.close();
});

test('a node shows its failed store in its status and events, and a reopen that fails is fatal', async () => {
  const clock = new VirtualClock(5_000);
  const { level, faults } = faulty();
  const node = await createNode({ store: level as never, clock, listen: ['/ip4/127.0.0.1/tcp/0'] });
  const events: string[] = [];
  const fatal: unknown[] = [];
  node.on('store', (h) => events.push(h.state));
  node.on('fatal', ({ error }) => fatal.push(error));
  await node.start();
  try {
    assert.equal(node.status().store?.state, 'ok');
    faults.failNext = 1;
    await refused(level.put('x', bytes(1)));
    const s = node.status().store;
    assert.equal(s?.state, 'failed');
    assert.equal(s?.code, 'MURMUR_DISK_FULL');
    assert.equal(s?.since, 5_000);
    assert.deepEqual(events, ['failed']);
    faults.failOpen = true;
    while (fatal.length === 0) await clock.tickAsync(1_000);
    assert.match((fatal[0] as Error).message, /cannot open the store: .*Input\/output error/);
  } finally {
    faults.failOpen = false;
    await node.stop().catch(() => {});
  }
});
