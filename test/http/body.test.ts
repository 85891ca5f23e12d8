import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import { jsonDepth, parseJsonBody } from '../../src/http/body.ts';
import { MAX_JSON_DEPTH } from '../../src/http/constants.ts';

/** Reference: nesting depth of a parsed JSON value. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

test('jsonDepth of JSON text equals the nesting depth of its value (strings with brackets and escapes included)', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 12 }), (v) => {
      assert.equal(jsonDepth(JSON.stringify(v)), depthOf(v));
    }),
    { numRuns: 2000 },
  );
  assert.equal(jsonDepth('"[[[{\\"\\\\"'), 0);
  assert.equal(jsonDepth('{"a":"}}}","b":[["]"]]}'), 3);
});

test('a body nested past the limit is refused with MURMUR_API_BAD_REQUEST before it is parsed', () => {
  const at = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
  assert.equal(depthOf(parseJsonBody(new TextEncoder().encode(at))), MAX_JSON_DEPTH);
  for (const n of [MAX_JSON_DEPTH + 1, 4_400, 1_000_000]) {
    const text = `${'['.repeat(n)}${']'.repeat(n)}`;
    assert.throws(
      () => parseJsonBody(new TextEncoder().encode(text)),
      (e: unknown) => isMurmurError(e, 'MURMUR_API_BAD_REQUEST') && /deeper than 64/.test(e.message),
    );
  }
  // unbalanced garbage opening many levels is refused the same way, never a RangeError
  assert.throws(
    () => parseJsonBody(new TextEncoder().encode('{"a":'.repeat(10_000))),
    (e: unknown) => isMurmurError(e, 'MURMUR_API_BAD_REQUEST'),
  );
});
