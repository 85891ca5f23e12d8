import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadCodeTables } from '../../scripts/gen-errors-doc.ts';
import { renderErrorsDoc } from '../../src/errors/doc.ts';

await loadCodeTables();

import { ERROR_CODES, isMurmurError, MurmurError, throwIfAborted } from '../../src/errors/index.ts';

test('every code is MURMUR_ prefixed and documented in docs/ERRORS.md', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^MURMUR_[A-Z0-9_]+$/);
  const doc = readFileSync(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
  assert.equal(doc, renderErrorsDoc(), 'docs/ERRORS.md is stale: run npm run docs:errors');
});

test('MurmurError carries code, details and cause', () => {
  const cause = new Error('inner');
  const err = new MurmurError('MURMUR_IO', 'disk full', { cause, details: { path: '/x' } });
  assert.equal(err.code, 'MURMUR_IO');
  assert.equal(err.cause, cause);
  assert.deepEqual(err.toJSON(), { code: 'MURMUR_IO', message: 'disk full', details: { path: '/x' } });
  assert.ok(isMurmurError(err, 'MURMUR_IO'));
  assert.ok(!isMurmurError(err, 'MURMUR_TIMEOUT'));
  assert.equal(new MurmurError('MURMUR_TIMEOUT').message, ERROR_CODES.MURMUR_TIMEOUT);
});

test('throwIfAborted throws MURMUR_ABORTED only once aborted', () => {
  const ac = new AbortController();
  throwIfAborted(ac.signal);
  ac.abort();
  assert.throws(
    () => throwIfAborted(ac.signal),
    (e: unknown) => isMurmurError(e, 'MURMUR_ABORTED'),
  );
});
