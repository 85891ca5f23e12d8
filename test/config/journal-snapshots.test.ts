import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  loadConfig,
  parseBoolSetting,
  parseCountSetting,
  parseDurationSetting,
  type RawSettings,
} from '../../src/config/index.ts';
import type { JournalsKindConfig } from '../../src/journals/kind.ts';

/** The journal snapshot settings of a loaded config (the journals kind's part of it). */
const snapshotsOf = (c: { kinds?: Record<string, unknown> }): JournalsKindConfig['snapshots'] => {
  const journals = c.kinds?.journals as JournalsKindConfig | undefined;
  assert.ok(journals !== undefined, 'the config has the journals kind');
  return journals.snapshots;
};

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function dataDir(config?: unknown): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'murmur-config-'));
  dirs.push(d);
  if (config !== undefined) await writeFile(join(d, 'config.json'), JSON.stringify(config));
  return d;
}

test('durations: ms numbers and strings, s / m / h units, 0 = off; bad values → MURMUR_CONFIG_INVALID', () => {
  const good: [string | number, number | undefined][] = [
    [1500, 1500],
    ['1500', 1500],
    ['250ms', 250],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    [' 2s ', 2000],
    ['0', undefined],
    [0, undefined],
  ];
  for (const [v, ms] of good) assert.equal(parseDurationSetting(v, 'x'), ms, String(v));
  for (const v of ['-5', '1.5s', 'abc', '', '10d', 's', '1e3', '10 minutes', -1, 1.5, Number.NaN, 2 ** 60]) {
    assert.throws(() => parseDurationSetting(v, 'every'), { code: 'MURMUR_CONFIG_INVALID' }, String(v));
  }
});

test('event counts and booleans', () => {
  assert.equal(parseCountSetting('5', 'x'), 5);
  assert.equal(parseCountSetting(100, 'x'), 100);
  assert.equal(parseCountSetting('0', 'x'), undefined);
  for (const v of ['-1', '2.5', 'ten', '', '5s', -3, 0.5]) {
    assert.throws(() => parseCountSetting(v, 'events'), { code: 'MURMUR_CONFIG_INVALID' }, String(v));
  }
  for (const v of [true, 'true', 'TRUE', '1', 'yes', 'on']) assert.equal(parseBoolSetting(v, 'x'), true);
  for (const v of [false, 'false', '0', 'No', 'off']) assert.equal(parseBoolSetting(v, 'x'), false);
  assert.throws(() => parseBoolSetting('maybe', 'x'), { code: 'MURMUR_CONFIG_INVALID' });
});

test('loadConfig: journal snapshots default off with compaction on', async () => {
  const c = await loadConfig({ flags: { data: await dataDir() }, env: {} });
  assert.deepEqual(snapshotsOf(c), { everyEvents: undefined, everyMs: undefined, compact: true });
});

test('loadConfig: flags > environment > config.json for the journal snapshot settings', async () => {
  const dir = await dataDir({
    journalSnapshotEvents: 100,
    journalSnapshotEvery: '1h',
    journalCompact: false,
  });
  const fromFile = await loadConfig({ flags: { data: dir }, env: {} });
  assert.deepEqual(snapshotsOf(fromFile), { everyEvents: 100, everyMs: 3_600_000, compact: false });

  const env = {
    MURMUR_JOURNAL_SNAPSHOT_EVENTS: '50',
    MURMUR_JOURNAL_SNAPSHOT_EVERY: '10m',
    MURMUR_JOURNAL_COMPACT: 'true',
  };
  const fromEnv = await loadConfig({ flags: { data: dir }, env });
  assert.deepEqual(snapshotsOf(fromEnv), { everyEvents: 50, everyMs: 600_000, compact: true });

  const flags: RawSettings = { data: dir, journalSnapshotEvents: '5', journalSnapshotEvery: '30s' };
  const fromFlags = await loadConfig({ flags, env });
  assert.deepEqual(snapshotsOf(fromFlags), { everyEvents: 5, everyMs: 30_000, compact: true });

  // 0 in a higher source turns off a rule set in a lower one
  const off = await loadConfig({ flags: { data: dir, journalSnapshotEvents: '0' }, env: {} });
  assert.deepEqual(snapshotsOf(off), { everyEvents: undefined, everyMs: 3_600_000, compact: false });
  const ms = await loadConfig({ flags: { data: await dataDir({ journalSnapshotEvery: 2500 }) }, env: {} });
  assert.equal(snapshotsOf(ms).everyMs, 2500);
});

test('loadConfig: bad journal snapshot values from every source → MURMUR_CONFIG_INVALID naming the setting', async () => {
  const dir = await dataDir();
  const bad: [RawSettings, Record<string, string>, RegExp][] = [
    [{ journalSnapshotEvents: '-1' }, {}, /journal-snapshot-events/],
    [{ journalSnapshotEvents: 'lots' }, {}, /journal-snapshot-events/],
    [{ journalSnapshotEvery: '-30s' }, {}, /journal-snapshot-every/],
    [{ journalSnapshotEvery: 'soon' }, {}, /journal-snapshot-every/],
    [{}, { MURMUR_JOURNAL_SNAPSHOT_EVENTS: '1.5' }, /MURMUR_JOURNAL_SNAPSHOT_EVENTS/],
    [{}, { MURMUR_JOURNAL_SNAPSHOT_EVERY: '5 minutes' }, /MURMUR_JOURNAL_SNAPSHOT_EVERY/],
    [{}, { MURMUR_JOURNAL_COMPACT: 'perhaps' }, /MURMUR_JOURNAL_COMPACT/],
  ];
  for (const [flags, env, msg] of bad) {
    await assert.rejects(
      loadConfig({ flags: { data: dir, ...flags }, env }),
      (err: Error & { code?: string }) => err.code === 'MURMUR_CONFIG_INVALID' && msg.test(err.message),
      JSON.stringify({ flags, env }),
    );
  }
  for (const file of [
    { journalSnapshotEvents: true },
    { journalSnapshotEvents: -4 },
    { journalSnapshotEvents: 2.5 },
    { journalSnapshotEvery: [1] },
    { journalSnapshotEvery: -100 },
    { journalCompact: 'no' },
    { journalSnapshots: 5 },
  ]) {
    await assert.rejects(
      loadConfig({ flags: { data: await dataDir(file) }, env: {} }),
      { code: 'MURMUR_CONFIG_INVALID' },
      JSON.stringify(file),
    );
  }
});
