/** Protocol id lists as ctx.handle / ctx.dial take them: current id first, then the legacy ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PULLSYNC_PROTOCOLS } from '../../src/chunks/pullsync/constants.ts';
import { RETRIEVAL_PROTOCOLS } from '../../src/chunks/retrieval/constants.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { HANDSHAKE_PROTOCOLS } from '../../src/handshake/index.ts';
import { CATALOGUE_PROTOCOLS, JOURNALS_PROTOCOLS } from '../../src/journals/constants.ts';
import { HIVE_PROTOCOLS } from '../../src/overlay/index.ts';
import { currentProtocolId, protocolIdList, spokenProtocolIds } from '../../src/service/protocols.ts';

test('a single id is its own current id, spoken in both modes', () => {
  assert.deepEqual(protocolIdList('/murmur/tree/sync/1.0.0'), ['/murmur/tree/sync/1.0.0']);
  assert.equal(currentProtocolId('/murmur/tree/sync/1.0.0'), '/murmur/tree/sync/1.0.0');
  assert.deepEqual(spokenProtocolIds('/murmur/tree/sync/1.0.0', 'legacy'), ['/murmur/tree/sync/1.0.0']);
  assert.deepEqual(spokenProtocolIds('/murmur/tree/sync/1.0.0'), ['/murmur/tree/sync/1.0.0']);
});

test('a list: the first id labels it; all of them are spoken, the legacy ones alone in legacy mode', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 5 }),
      (ids) => {
        assert.equal(currentProtocolId(ids), ids[0]);
        assert.deepEqual(spokenProtocolIds(ids, 'all'), ids);
        assert.deepEqual(spokenProtocolIds(ids, 'legacy'), ids.length > 1 ? ids.slice(1) : ids);
      },
    ),
  );
});

test('an empty list or an empty id is refused', () => {
  for (const bad of [[], [''], ['/murmur/x/y/1', '']]) {
    assert.throws(
      () => protocolIdList(bad),
      (e: unknown) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
    );
  }
});

test('every renamed protocol: /murmur/<kind>/<name>/<version> first, its former id second', () => {
  const scheme = /^\/murmur\/[a-z]+\/[a-z-]+\/\d+\.\d+\.\d+$/;
  const expected: [readonly string[], string, string][] = [
    [HANDSHAKE_PROTOCOLS, '/murmur/node/handshake/1.0.0', '/murmur/handshake/1.0.0'],
    [HIVE_PROTOCOLS, '/murmur/node/hive/1.0.0', '/murmur/hive/1.0.0'],
    [JOURNALS_PROTOCOLS, '/murmur/journals/sync/1.0.0', '/murmur/journals/1.0.0'],
    [CATALOGUE_PROTOCOLS, '/murmur/journals/catalogue/1.0.0', '/murmur/journal-catalogue/1.0.0'],
    [RETRIEVAL_PROTOCOLS, '/murmur/chunks/retrieval/1.0.0', '/murmur/retrieval/1.0.0'],
    [PULLSYNC_PROTOCOLS, '/murmur/chunks/pullsync/1.0.0', '/murmur/pullsync/1.0.0'],
  ];
  for (const [ids, current, legacy] of expected) {
    assert.deepEqual(ids, [current, legacy]);
    assert.match(current, scheme);
  }
});
