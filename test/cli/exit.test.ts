import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/api/codes.ts';
import '../../src/tree/codes.ts';
import '../../src/chunks/codes.ts';
import '../../src/journals/codes.ts';
import '../../src/store/codes.ts';
import '../../src/node/codes.ts';
import { EXIT, exitCodeOf } from '../../src/cli/exit.ts';
import { MurmurError } from '../../src/errors/index.ts';

test('exit codes by class: by code, then by the status the node answered, then by the error table', () => {
  const cases: [string, number | undefined, number][] = [
    ['MURMUR_NODE_NOT_RUNNING', undefined, EXIT.notRunning],
    ['MURMUR_ABORTED', undefined, EXIT.aborted],
    ['MURMUR_DISK_FULL', undefined, EXIT.storage],
    ['MURMUR_STORE_FAILED', 503, EXIT.storage],
    ['MURMUR_IO', undefined, EXIT.storage],
    ['MURMUR_TIMEOUT', undefined, EXIT.network],
    ['MURMUR_PROTOCOL_UNSUPPORTED', undefined, EXIT.network],
    ['MURMUR_DIAL_FAILED', undefined, EXIT.network],
    ['MURMUR_HANDSHAKE_REFUSED', undefined, EXIT.network],
    ['MURMUR_DATA_IN_USE', undefined, EXIT.error],
    ['MURMUR_INVALID_ARGUMENT', undefined, EXIT.usage],
    ['MURMUR_API_BAD_REQUEST', 400, EXIT.usage],
    ['MURMUR_API_UNAUTHORIZED', undefined, EXIT.refused],
    ['MURMUR_TREE_NOT_AUTHORISED', undefined, EXIT.refused],
    ['MURMUR_TREE_NOT_FOUND', undefined, EXIT.notFound],
    ['MURMUR_CHUNKS_NOT_FOUND', 404, EXIT.notFound],
    ['MURMUR_JOURNAL_EXISTS', 409, EXIT.error],
    // a code this process has not registered is classed by the status the node answered with it
    ['MURMUR_SOMETHING_ELSE_NOT_FOUND', 404, EXIT.notFound],
    ['MURMUR_SOMETHING_ELSE_FORBIDDEN', 403, EXIT.refused],
  ];
  for (const [code, status, exit] of cases) {
    assert.equal(exitCodeOf(new MurmurError(code as never, 'x'), status), exit, code);
  }
  assert.equal(exitCodeOf(new Error('plain')), EXIT.error);
  assert.equal(exitCodeOf('not an error'), EXIT.error);
});
