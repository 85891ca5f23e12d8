import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readApiInfo, readApiToken } from '../../src/api/files.ts';
import { ApiClient } from '../../src/api/index.ts';
import type { EventView, JournalView, SnapshotView } from '../../src/journals/views.ts';
import { daemonScope, murmur, poll, startDaemon } from '../cli/helpers.ts';

const { daemons, tmp } = daemonScope('murmur-autosnap-');

function ok(r: { code: number; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
}

const path = (id: string, rest = ''): string => `/v1/journals/${encodeURIComponent(id)}${rest}`;

/** One raw (non-JSON) event through the API. */
async function appendBytes(dir: string, id: string, bytes: Uint8Array): Promise<void> {
  const [info, token] = [await readApiInfo(dir), await readApiToken(dir)];
  const res = await fetch(`${info.url}${path(id, '/events')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  assert.equal(res.status, 200, await res.text());
}

test('murmur start --journal-snapshot-events 5: the daemon snapshots with the built-in fold and compacts', async () => {
  const dir = await tmp();
  const d = await startDaemon(dir, ['--journal-snapshot-events', '5']);
  daemons.push(d);
  const created = await murmur(['journal', 'create', 'state', '--data', dir]);
  ok(created);
  const id = created.stdout.trim();
  const api = await ApiClient.fromDataDir(dir);

  // 12 events, one commit each: 10 {e,p} through the API, one raw through the API, one through the CLI
  const names = ['colour', 'size', 'owner'];
  for (let i = 1; i <= 10; i++) {
    await api.request('POST', path(id, '/events'), { body: { e: names[i % 3], p: { i } } });
  }
  await appendBytes(dir, id, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  ok(await murmur(['journal', 'append', id, '{"e":"size","p":{"i":12}}', '--data', dir]));

  let view: JournalView | undefined;
  await poll(
    async () => {
      view = await api.request<JournalView>('GET', path(id));
      return view.snapshot >= 10;
    },
    60_000,
    'an automatic snapshot with upTo ≥ 10',
  );
  const upTo = view!.snapshot;
  assert.equal(view!.to, 12);

  // read from 1 through the CLI: the snapshot, then the tail after it (the events ≤ upTo are gone)
  const read = await murmur(['journal', 'read', id, '--from', '1', '--json', '--data', dir]);
  ok(read);
  const r = JSON.parse(read.stdout) as { snapshot?: SnapshotView; events: EventView[] };
  assert.equal(r.snapshot?.upTo, upTo);
  assert.deepEqual(
    r.events.map((e) => e.seq),
    Array.from({ length: 12 - upTo }, (_, i) => upTo + 1 + i),
  );
  const state = JSON.parse(r.snapshot!.state!) as { v: number; last: Record<string, unknown>; count: number };
  // expected: the latest payload per name among events 1..upTo
  const expected: Record<string, unknown> = {};
  for (let i = 1; i <= Math.min(upTo, 10); i++) expected[names[i % 3]!] = { i };
  if (upTo >= 12) expected.size = { i: 12 };
  assert.deepEqual(state, { v: 1, last: expected, count: upTo, other: upTo >= 11 ? 1 : 0 });
  // murmur journal state: the same snapshot (GET …/snapshot)
  const shown = await murmur(['journal', 'state', id, '--data', dir]);
  ok(shown);
  assert.ok(shown.stdout.startsWith(`snapshot upTo=${upTo}\t{`), shown.stdout);

  // compacted: reading the compacted range through the API returns the snapshot, no old event
  await poll(
    async () => (await api.request<JournalView>('GET', path(id))).from === upTo + 1,
    60_000,
    'compaction',
  );
  const early = await api.request<{ snapshot?: SnapshotView; events: EventView[] }>(
    'GET',
    path(id, '/events?from=1&to=5'),
  );
  assert.equal(early.snapshot?.upTo, upTo);
  assert.deepEqual(early.events, []);
  assert.match(d.output(), /automatic journal snapshots on/);
});

test('config.json journalSnapshotEvery + journalCompact false: a time-based snapshot that keeps the events', async () => {
  const dir = await tmp();
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ journalSnapshotEvery: '1s', journalCompact: false }),
  );
  const d = await startDaemon(dir);
  daemons.push(d);
  const api = await ApiClient.fromDataDir(dir);
  const { id } = await api.request<JournalView>('POST', '/v1/journals', { body: { name: 'timed' } });
  await api.request('POST', path(id, '/events'), {
    body: [
      { e: 'a', p: 1 },
      { e: 'b', p: 2 },
      { e: 'a', p: 3 },
    ],
  });
  await poll(
    async () => (await api.request<JournalView>('GET', path(id))).snapshot === 3,
    60_000,
    'a time-based snapshot',
  );
  const info = await api.request<JournalView>('GET', path(id));
  assert.equal(info.from, 1, 'events kept (no compaction)');
  const all = await api.request<{ snapshot?: SnapshotView; events: EventView[] }>(
    'GET',
    path(id, '/events?from=1'),
  );
  assert.equal(all.snapshot, undefined);
  assert.deepEqual(
    all.events.map((e) => [e.seq, e.e, e.p]),
    [
      [1, 'a', 1],
      [2, 'b', 2],
      [3, 'a', 3],
    ],
  );
  // the kept snapshot's state is still readable: GET …/snapshot (murmur journal state)
  const latest = await api.request<{ snapshot: SnapshotView | null }>('GET', path(id, '/snapshot'));
  assert.equal(latest.snapshot?.upTo, 3);
  const folded = JSON.parse(latest.snapshot!.state!) as { last: Record<string, unknown>; count: number };
  assert.deepEqual(folded.last, { a: 3, b: 2 });
  assert.equal(folded.count, 3);
});

test('murmur start refuses bad snapshot settings with MURMUR_CONFIG_INVALID', async () => {
  const dir = await tmp();
  const r = await murmur(['start', '--data', dir, '--api', '127.0.0.1:0', '--journal-snapshot-every', '10x']);
  assert.equal(r.code, 2); // usage: a bad setting
  assert.match(r.stderr, /MURMUR_CONFIG_INVALID: .*--journal-snapshot-every/);
  const e = await murmur(['start', '--data', dir, '--api', '127.0.0.1:0'], {
    MURMUR_JOURNAL_SNAPSHOT_EVENTS: 'x',
  });
  assert.equal(e.code, 2);
  assert.match(e.stderr, /MURMUR_CONFIG_INVALID: .*MURMUR_JOURNAL_SNAPSHOT_EVENTS/);
});
