import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMurmurError } from '../../src/errors/index.ts';
import { jsonPayload, parseJsonPayload } from '../../src/journals/journals.ts';

test('a JSON event that cannot be encoded is MURMUR_INVALID_ARGUMENT, never a RangeError or TypeError', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const p of [deep, cyclic, 10n]) {
    assert.throws(
      () => jsonPayload({ e: 'x', p }),
      (e: unknown) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
    );
  }
  assert.deepEqual(parseJsonPayload(jsonPayload({ e: 'x', p: [[1]] })), { e: 'x', p: [[1]] });
});
