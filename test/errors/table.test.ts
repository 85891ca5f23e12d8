import assert from 'node:assert/strict';
import { glob, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCodeTables } from '../../scripts/gen-errors-doc.ts';
import { ApiServer } from '../../src/api/index.ts';
import { ENV } from '../../src/config/constants.ts';
import {
  type CodeInfo,
  codeInfo,
  type ErrorCode,
  httpStatusOf,
  MurmurError,
  registeredCodes,
  strikeKindOf,
} from '../../src/errors/index.ts';
import { KINDS } from '../../src/kinds/index.ts';
import { raw } from '../api/helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each codes.ts file with the one `*_CODES` table it exports, imported the way docs:errors does. */
const tables = new Map<string, Record<string, CodeInfo>>();
for (const path of await loadCodeTables()) {
  const mod = (await import(pathToFileURL(`${ROOT}/${path}`).href)) as Record<string, unknown>;
  const exported = Object.entries(mod).filter(([name]) => name.endsWith('_CODES'));
  assert.equal(exported.length, 1, `${path} exports one *_CODES table`);
  tables.set(path, exported[0]?.[1] as Record<string, CodeInfo>);
}
const rows = [...tables].flatMap(([path, table]) =>
  Object.entries(table).map(([code, info]) => ({ path, code: code as ErrorCode, info })),
);

/**
 * MURMUR_ names that are environment variables, not error codes: the node's (src/config), the data
 * kinds' settings, and these read directly by one module.
 */
const OTHER_ENV = [
  'MURMUR_DEBUG', // src/cli: print the stack of a failing command
  'MURMUR_INVOKED_AS', // src/cli/p2ptbl-recv.ts: the table name when not run through its own link
  'MURMUR_P2PTBL_LOCK', // src/p2ptbl/lock.ts: pidfile locking instead of flock
  'MURMUR_JOURNALS_FOLLOW', // src/journals/settings.ts, and its test-shortened timings:
  'MURMUR_JOURNALS_CATALOGUE_MS',
  'MURMUR_JOURNALS_STALL_MS',
  'MURMUR_JOURNALS_BACKOFF_MS',
];
const ENV_NAMES = new Set<string>([
  ...Object.values(ENV),
  ...KINDS.flatMap((k) => k.settings.map((s) => s.env)),
  ...OTHER_ENV,
]);

test('the code tables are found and every code belongs to exactly one of them', () => {
  assert.ok(tables.has('src/errors/codes.ts'), 'the core table is among the files found');
  assert.ok(tables.size >= 10, `code tables found: ${[...tables.keys()].join(', ')}`);
  const owners = new Map<string, string>();
  for (const { path, code } of rows) {
    assert.equal(owners.get(code), undefined, `${code} is defined in ${owners.get(code)} and ${path}`);
    owners.set(code, path);
  }
  // nothing registers codes outside the codes.ts files
  assert.deepEqual([...registeredCodes().keys()].sort(), [...owners.keys()].sort());
});

test('every MURMUR_ name in src/ and examples/ is a registered code (or an environment variable)', async () => {
  const unknown: string[] = [];
  let files = 0;
  for await (const path of glob(['{src,examples}/**/*.{ts,js,mjs,cjs,html}'], { cwd: ROOT })) {
    if (path.endsWith('_pb.js')) continue;
    files++;
    const text = await readFile(`${ROOT}/${path}`, 'utf8');
    for (const [name] of text.matchAll(/MURMUR_[A-Z0-9_]+/g)) {
      if (codeInfo(name) !== undefined || ENV_NAMES.has(name)) continue;
      // a prefix (`code.startsWith('MURMUR_TREE_')`) is fine if some code has it
      if (name.endsWith('_') && rows.some((r) => r.code.startsWith(name))) continue;
      unknown.push(`${path}: ${name}`);
    }
  }
  assert.ok(files > 100, `source files scanned: ${files}`);
  assert.deepEqual(unknown, [], 'names that are neither a registered code nor an environment variable');
});

test('httpStatusOf and strikeKindOf answer what each code table says', () => {
  for (const { path, code, info } of rows) {
    const err = new MurmurError(code);
    assert.deepEqual(codeInfo(code), info, `${path}: ${code}`);
    assert.equal(err.message, info.message, code);
    assert.equal(httpStatusOf(err), info.http, code);
    assert.equal(strikeKindOf(err), info.strike, code);
    assert.equal(strikeKindOf(code), info.strike, code);
    // any error object carrying the code (a decoded remote error, a plain object) is looked up too
    assert.equal(httpStatusOf({ code }), info.http, code);
  }
});

test('the local API answers a MurmurError of each code with its status and {error:{code,message}}', async (t) => {
  const api = new ApiServer({ token: 'b2'.repeat(32), port: 0 });
  api.route(
    'GET',
    '/throw/:code',
    (ctx) => {
      throw new MurmurError(ctx.params.code as ErrorCode);
    },
    { auth: false },
  );
  api.route(
    'GET',
    '/crash',
    () => {
      throw new TypeError('a bug');
    },
    { auth: false },
  );
  await api.start();
  t.after(() => api.stop());
  for (const { code, info } of rows) {
    const res = await raw(api.url, { path: `/throw/${code}` });
    assert.equal(res.status, info.http, code);
    assert.match(String(res.headers['content-type']), /^application\/json/, code);
    assert.deepEqual(JSON.parse(res.body), { error: { code, message: info.message } }, code);
  }
  // anything that is not a MurmurError is a 500 that does not leak its message
  const crash = await raw(api.url, { path: '/crash' });
  assert.equal(crash.status, 500);
  assert.equal(JSON.parse(crash.body).error.code, 'MURMUR_API_INTERNAL');
  assert.doesNotMatch(crash.body, /a bug/);
});
