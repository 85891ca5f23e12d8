/**
 * The lint rule of biome.json that keeps node code on the clock it is given: run the project's real
 * biome configuration (copied into a scratch folder, git integration off) over fixture files and
 * check which lines it flags. Direct timers, Date.now, performance.now, AbortSignal.timeout and
 * node:timers(/promises) fail in every covered folder; clock calls pass; src/clock and the CLI files
 * are exempt.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');

/** Folders the rule covers (each gets a fixture that must be flagged). */
const COVERED = [
  'src/peers',
  'src/overlay',
  'src/discovery',
  'src/node',
  'src/streamer',
  'src/sim',
  'src/service',
  'src/tree',
  'src/journals',
  'src/chunks',
  'examples/counter',
];

/** One violation per line, in this order (line numbers are 1-based below). */
const BAD = `import { setTimeout as sleep } from 'node:timers/promises';
export const t = setTimeout(() => {}, 1);
export const i = setInterval(() => {}, 1);
clearTimeout(t);
clearInterval(i);
export const wall = Date.now();
export const mono = performance.now();
export const deadline = AbortSignal.timeout(5);
export const late = globalThis.setTimeout(() => {}, 1);
void sleep(1);
`;
const BAD_LINES = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The same things through a clock: nothing to flag. */
const GOOD = `import type { Clock } from '../clock/index.ts';
export function run(clock: Clock): number {
  const t = clock.setTimeout(() => {}, 1);
  clock.clearTimeout(t);
  const i = clock.setInterval(() => {}, 1, { ref: false });
  clock.clearInterval(i);
  void clock.sleep(1);
  void clock.timeout(5);
  return clock.now() + clock.monotonic() + new Date(0).getTime();
}
`;

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

let dir = '';
let byFile = new Map<string, Diagnostic[]>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-lint-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
  config.vcs = { enabled: false };
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  const files: Record<string, string> = {
    'src/clock/own.ts': BAD, // the clock itself is where the real timers live
    'src/cli/tool.ts': BAD,
    'src/tree/cli.ts': BAD,
    'src/chunks/cli-pins.ts': BAD,
    'src/node/cli-helpers.ts': BAD,
    'src/node/good.ts': GOOD,
  };
  for (const folder of COVERED) files[`${folder}/bad.ts`] = BAD;
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  // biome exits non-zero when it reports errors: the report on stdout is what is checked
  const out = await promisify(execFile)(BIOME, ['lint', '--reporter=json', '--max-diagnostics=1000', '.'], {
    cwd: dir,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const report = JSON.parse(out.stdout) as { diagnostics: Diagnostic[] };
  byFile = new Map();
  for (const d of report.diagnostics) {
    const list = byFile.get(d.location.path) ?? [];
    list.push(d);
    byFile.set(d.location.path, list);
  }
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The rules of the clock override (the recommended preset's other rules are not looked at). */
const RULES = /noRestrictedGlobals|noRestrictedImports|noJsRestrictedProperties/;

const clockLines = (path: string): number[] =>
  [
    ...new Set(
      (byFile.get(path) ?? []).filter((d) => RULES.test(d.category)).map((d) => d.location.start.line),
    ),
  ].sort((a, b) => a - b);

for (const folder of COVERED) {
  test(`${folder}: every direct timer, Date.now, performance.now, AbortSignal.timeout and timers import fails the lint`, () => {
    assert.deepEqual(clockLines(`${folder}/bad.ts`), BAD_LINES);
    const cats = new Set((byFile.get(`${folder}/bad.ts`) ?? []).map((d) => d.category));
    for (const c of ['lint/style/noRestrictedGlobals', 'lint/style/noRestrictedImports'])
      assert.ok(cats.has(c), c);
    assert.ok(
      [...cats].some((c) => c.endsWith('/noJsRestrictedProperties')),
      `no restricted-property diagnostic in ${[...cats].join(', ')}`,
    );
  });
}

test('the messages point at the clock the code is given', async () => {
  // the JSON report leaves the rule's note out: read the terminal one (on stderr)
  const run = promisify(execFile)(BIOME, ['lint', '--colors=off', 'src/node/bad.ts'], { cwd: dir });
  const res = await run.catch((err: { stdout?: string; stderr?: string }) => err);
  const text = `${res.stdout ?? ''}${res.stderr ?? ''}`.replace(/\s+/g, ' ');
  assert.match(text, /Use clock\.now\(\): timers run on the clock the code is given \(ctx\.clock/);
  assert.match(text, /Use clock\.setTimeout\(fn, ms\)/);
  assert.match(text, /Use clock\.sleep\(ms, \{ signal \}\)/);
});

test('code on a clock passes; src/clock and the CLI files are exempt', () => {
  for (const path of [
    'src/node/good.ts',
    'src/clock/own.ts',
    'src/cli/tool.ts',
    'src/tree/cli.ts',
    'src/chunks/cli-pins.ts',
    'src/node/cli-helpers.ts',
  ]) {
    assert.deepEqual(clockLines(path), [], path);
  }
});
